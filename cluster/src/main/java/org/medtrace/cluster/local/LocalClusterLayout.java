package org.medtrace.cluster.local;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Where the processes of the local cluster live and listen, read from {@code
 * medtrace.local-cluster} in {@code local-cluster.conf}.
 *
 * @param dataDirectory holds one directory per process ({@code cassandra-N}, {@code kafka}, {@code
 *     node-N}), the development issuer's keys and the state file
 * @param nodes the medtrace nodes, in order (node 1 first)
 */
record LocalClusterLayout(
    Path dataDirectory,
    List<String> cassandraAddresses,
    int cqlPort,
    int storagePort,
    String cassandraClusterName,
    String cassandraHeapSize,
    Duration cassandraStartupTimeout,
    int replicationFactor,
    Path cassandraClasspathFile,
    String kafkaAddress,
    int kafkaClientPort,
    int kafkaControllerPort,
    int topicPartitions,
    Path kafkaClasspathFile,
    List<Node> nodes,
    String nodeHeapSize,
    Duration nodeStartupTimeout) {

  /**
   * One medtrace node's address and ports (remoting, management and API all listen on {@code host}).
   * {@code remoteBindPort} is where remoting listens when something else (the fault tests' partition
   * proxy) listens on the advertised {@code remotePort} and relays to it; equal to {@code remotePort}
   * otherwise.
   */
  record Node(int number, String host, int remotePort, int remoteBindPort, int managementPort, int httpPort) {

    /** Whether remoting binds to another port than the one it advertises. */
    boolean relayedRemoting() {
      return remoteBindPort != remotePort;
    }

    String name() {
      return "node-" + number;
    }

    String apiUrl() {
      return "http://" + host + ":" + httpPort + "/api/v1";
    }

    String managementUrl() {
      return "http://" + host + ":" + managementPort;
    }
  }

  static LocalClusterLayout from(Config config) {
    Config local = config.getConfig("medtrace.local-cluster");
    Config cassandra = local.getConfig("cassandra");
    Config kafka = local.getConfig("kafka");
    List<? extends Config> nodeConfigs = local.getConfigList("nodes");
    List<Node> nodes =
        IntStream.range(0, nodeConfigs.size())
            .mapToObj(
                i ->
                    new Node(
                        i + 1,
                        nodeConfigs.get(i).getString("host"),
                        nodeConfigs.get(i).getInt("remote-port"),
                        nodeConfigs.get(i).hasPath("remote-bind-port")
                            ? nodeConfigs.get(i).getInt("remote-bind-port")
                            : nodeConfigs.get(i).getInt("remote-port"),
                        nodeConfigs.get(i).getInt("management-port"),
                        nodeConfigs.get(i).getInt("http-port")))
            .toList();
    return new LocalClusterLayout(
        Path.of(local.getString("data-dir")).toAbsolutePath().normalize(),
        cassandra.getStringList("addresses"),
        cassandra.getInt("cql-port"),
        cassandra.getInt("storage-port"),
        cassandra.getString("cluster-name"),
        cassandra.getString("heap-size"),
        cassandra.getDuration("startup-timeout"),
        cassandra.getInt("replication-factor"),
        Path.of(cassandra.getString("classpath-file")).toAbsolutePath(),
        kafka.getString("address"),
        kafka.getInt("client-port"),
        kafka.getInt("controller-port"),
        kafka.getInt("topic-partitions"),
        Path.of(kafka.getString("classpath-file")).toAbsolutePath(),
        nodes,
        local.getString("node-heap-size"),
        local.getDuration("node-startup-timeout"));
  }

  /** The seed every Cassandra node gossips with first: the first node's storage endpoint. */
  String cassandraSeed() {
    return cassandraAddresses.get(0) + ":" + storagePort;
  }

  /** {@code host:port,...} of all Cassandra nodes, as {@code MEDTRACE_CASSANDRA_CONTACT_POINTS}. */
  String cassandraContactPoints() {
    return cassandraAddresses.stream().map(address -> address + ":" + cqlPort).collect(Collectors.joining(","));
  }

  String kafkaBootstrapServers() {
    return kafkaAddress + ":" + kafkaClientPort;
  }

  Path cassandraDirectory(int number) {
    return dataDirectory.resolve("cassandra-" + number);
  }

  Path kafkaDirectory() {
    return dataDirectory.resolve("kafka");
  }

  Path nodeDirectory(Node node) {
    return dataDirectory.resolve(node.name());
  }

  /** The development issuer's key directory, shared by the nodes and {@code bin/medtrace token}. */
  Path issuerDirectory() {
    return dataDirectory.resolve("dev-issuer");
  }

  /** The PIDs of the running processes, for {@code status} and people from another shell. */
  Path stateFile() {
    return dataDirectory.resolve("processes.state");
  }
}
