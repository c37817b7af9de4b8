package org.medtrace.cluster.local;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.medtrace.forked.ForkedServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One medtrace node of the local cluster in a JVM of its own: {@code java @conf/jvm.args
 * -Dconfig.file=<dir>/conf/node.conf org.medtrace.cluster.Main node}, configured by {@code
 * MEDTRACE_*} variables as a deployment would be, and by {@code conf/node.conf} (which includes
 * {@code local-cluster.conf}) for what a variable cannot carry. Its directory holds {@code
 * conf/jvm.args}, {@code conf/node.conf}, {@code logs/console.log} (the node's whole log) and
 * {@code medtrace-node.pid}; like the Cassandra and Kafka launchers it is recognised by its
 * PID file and identifying arguments, so another JVM can stop it.
 */
final class NodeProcess {

  private static final Logger log = LoggerFactory.getLogger(NodeProcess.class);

  /** The node leaves the cluster and hands its shards over within this; then it is killed. */
  static final Duration STOP_GRACE_PERIOD = Duration.ofSeconds(30);

  private static final String MAIN_CLASS = "org.medtrace.cluster.Main";

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private NodeProcess() {}

  static ForkedServer.Spec spec(Path directory) {
    return new ForkedServer.Spec(
        "medtrace-node",
        directory,
        List.of("-Dconfig.file=" + configFile(directory), MAIN_CLASS, "node"),
        "console.log",
        STOP_GRACE_PERIOD,
        new ForkedServer.Log(log::info, log::warn));
  }

  private static Path configFile(Path directory) {
    return directory.resolve("conf").resolve("node.conf");
  }

  /**
   * Starts the node's JVM and returns its PID at once; {@link #awaitReady} tells when it serves.
   *
   * @param classpath the node's classpath, absolute entries (the node runs in its own directory)
   * @param configuration the HOCON of {@code conf/node.conf}, rewritten on every start
   */
  static long start(Path directory, String heapSize, String classpath, String configuration, Map<String, String> environment)
      throws IOException {
    ForkedServer.Spec spec = spec(directory);
    Files.createDirectories(spec.logDirectory());
    Files.createDirectories(configFile(directory).getParent());
    Files.writeString(configFile(directory), configuration);
    spec.writeArgumentFile(
        List.of(
            "-Xms" + heapSize,
            "-Xmx" + heapSize,
            "-XX:+UseG1GC",
            "-Djava.net.preferIPv4Stack=true",
            "-cp",
            classpath));
    ProcessBuilder builder =
        ForkedServer.processBuilder(spec.command(ForkedServer.currentJava()), directory)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.consoleLog().toFile()));
    builder.environment().putAll(environment);
    Process process = builder.start();
    Files.writeString(spec.pidFile(), Long.toString(process.pid()));
    return process.pid();
  }

  /** This JVM's classpath with absolute entries, for a node started by {@code bin/medtrace-cluster}. */
  static String currentClasspath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
  }

  /**
   * Polls the node's readiness check (an Up cluster member whose journal answers) until it
   * answers 200.
   *
   * @throws IOException if the process exits or {@code timeout} passes first; the message ends with
   *     the tail of the node's log
   */
  static void awaitReady(Path directory, long pid, String managementUrl, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ForkedServer.Spec spec = spec(directory);
    while (readyStatus(managementUrl) != 200) {
      if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        throw new IOException(
            "medtrace node in " + directory + " exited during startup"
                + ForkedServer.tail(spec.consoleLog(), ForkedServer.LOG_TAIL_LINES));
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            "medtrace node in " + directory + " was not ready on " + managementUrl + "/ready within "
                + timeout.toSeconds() + " s"
                + ForkedServer.tail(spec.consoleLog(), ForkedServer.LOG_TAIL_LINES));
      }
      Thread.sleep(1000);
    }
  }

  /** The HTTP status of {@code /ready}, or -1 when nothing answers. */
  static int readyStatus(String managementUrl) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(managementUrl + "/ready")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The body of a GET on the node's management endpoint, if it answers 200. */
  static Optional<String> get(String url) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
