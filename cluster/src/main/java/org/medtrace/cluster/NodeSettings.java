package org.medtrace.cluster;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.LedgerSettings;
import org.medtrace.persistence.chain.LedgerSigner;
import org.medtrace.persistence.chain.TrustedKeys;

/**
 * The node's own settings, read once from the {@code medtrace} section of the configuration.
 *
 * @param trustedKeys the public keys whose signatures verification accepts
 * @param seedNodes remote addresses of seed nodes; empty means the node forms a cluster of one
 * @param formation how the node finds its cluster
 */
public record NodeSettings(
    LedgerSettings ledger,
    TrustedKeys trustedKeys,
    DrugBatch.Rules batchRules,
    MedicalDevice.Rules deviceRules,
    CassandraSettings cassandra,
    List<String> seedNodes,
    Formation formation) {

  /** How a node finds its cluster ({@code medtrace.cluster.formation}). */
  public enum Formation {
    /** Join the configured seed nodes, or form a cluster of one when there are none. */
    SEED_NODES,
    /**
     * Pekko Management Cluster Bootstrap: discover the other nodes (configuration locally, the
     * Kubernetes API in k8s/) and form or join a cluster once enough of them see each other.
     */
    CLUSTER_BOOTSTRAP;

    static Formation fromConfig(String value) {
      return switch (value) {
        case "seed-nodes" -> SEED_NODES;
        case "cluster-bootstrap" -> CLUSTER_BOOTSTRAP;
        default -> throw new IllegalArgumentException(
            "medtrace.cluster.formation must be seed-nodes or cluster-bootstrap, was '" + value + "'");
      };
    }
  }

  /**
   * @param embedded where the node runs its own Cassandra, when it does (development mode)
   */
  public record CassandraSettings(
      List<String> contactPoints,
      String journalKeyspace,
      String snapshotKeyspace,
      int replicationFactor,
      boolean createSchema,
      Optional<EmbeddedCassandra> embedded) {}

  /**
   * @param address the loopback address it listens on (CQL and storage); contact-points must name it
   */
  public record EmbeddedCassandra(Path dataDir, String address, int cqlPort, int storagePort, Path classpathFile) {}

  public static NodeSettings from(Config config) {
    Config ledger = config.getConfig("medtrace.ledger");
    Config device = ledger.getConfig("medical-device");
    Map<String, Double> intervalByModel = new HashMap<>();
    Config byModel = device.getConfig("maintenance-interval-hours-by-model");
    byModel.root().keySet().forEach(model -> intervalByModel.put(model, byModel.getDouble("\"" + model + "\"")));
    Optional<LedgerSigner> signer =
        SigningKeys.signer(ledger.getString("signing.private-key-file"), ledger.getString("signing.key-id"));
    Map<String, String> trustedKeyFiles = new HashMap<>();
    Config trusted = ledger.getConfig("trusted-keys");
    trusted.root().keySet().forEach(keyId -> trustedKeyFiles.put(keyId, trusted.getString("\"" + keyId + "\"")));
    return new NodeSettings(
        new LedgerSettings(
            Clock.systemUTC(), signer, ledger.getInt("snapshot-every"), ledger.getInt("idempotency-window")),
        SigningKeys.trustedKeys(trustedKeyFiles),
        new DrugBatch.Rules(ledger.getInt("drug-batch.cold-chain-consecutive-limit")),
        new MedicalDevice.Rules(device.getDouble("default-maintenance-interval-hours"), intervalByModel),
        cassandra(config.getConfig("medtrace.cassandra")),
        commaSeparated(config.getString("medtrace.cluster.seed-nodes")),
        Formation.fromConfig(config.getString("medtrace.cluster.formation")));
  }

  private static CassandraSettings cassandra(Config cassandra) {
    Config embedded = cassandra.getConfig("embedded");
    return new CassandraSettings(
        commaSeparated(cassandra.getString("contact-points")),
        cassandra.getString("journal-keyspace"),
        cassandra.getString("snapshot-keyspace"),
        cassandra.getInt("replication-factor"),
        cassandra.getBoolean("create-schema"),
        embedded.getBoolean("enabled")
            ? Optional.of(
                new EmbeddedCassandra(
                    Path.of(embedded.getString("data-dir")),
                    embedded.getString("address"),
                    embedded.getInt("cql-port"),
                    embedded.getInt("storage-port"),
                    Path.of(embedded.getString("classpath-file"))))
            : Optional.empty());
  }

  private static List<String> commaSeparated(String value) {
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
