package org.medtrace.forked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ForkedServer} against a real forked JVM running {@link ListeningServer}: start from an
 * argument file, readiness, failures with log tails, SIGTERM and kill, PID files and leftovers.
 */
class ForkedServerTest {

  private static final String ADDRESS = PerJvmServer.loopbackAddress();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /** An argument the argument file must pass on unchanged: spaces, quotes and backslashes. */
  private static final String MARKER = "a b \"quoted\" C:\\dir\\file";

  @TempDir Path directory;

  private final List<String> infos = new CopyOnWriteArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<ForkedServer> started = new ArrayList<>();
  private int port;

  @BeforeEach
  void pickAFreePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(ADDRESS))) {
      port = probe.getLocalPort();
    }
  }

  @AfterEach
  void stopEverythingStarted() {
    started.forEach(ForkedServer::stop);
  }

  @Test
  void runsTheServerFromItsArgumentFileAndReturnsOnceTheProbeAnswers() throws Exception {
    ForkedServer.Spec spec = listeningServer(Duration.ofSeconds(30));
    AtomicInteger probes = new AtomicInteger();

    ForkedServer server = start(spec);
    String answer =
        server.awaitReady(
            endpoint(), "listening", READY_TIMEOUT, () -> "probe " + probes.incrementAndGet());

    assertEquals("probe 1", answer, "the probe runs only once the port accepts connections");
    assertTrue(server.isAlive());
    assertEquals(Long.toString(server.pid()), Files.readString(spec.pidFile()));
    assertTrue(
        Files.readString(spec.consoleLog()).contains("marker=" + MARKER),
        "the argument file passes arguments unchanged: " + Files.readString(spec.consoleLog()));

    server.stop();
    server.stop();

    assertStopped(server, spec);
    assertTrue(warnings.isEmpty(), warnings.toString());
    assertLogged(infos, "Listening stopped after");
  }

  @Test
  void probeFailuresMeanNotYetUntilTheTimeoutThenTheServerIsStopped() throws Exception {
    ForkedServer.Spec spec = listeningServer(Duration.ofSeconds(30));
    Files.createDirectories(spec.logDirectory());
    Files.write(
        spec.serverLog(), IntStream.rangeClosed(1, 100).mapToObj(i -> "server line " + i).toList());
    ForkedServer server = start(spec);

    ForkedServer.NotReadyException failure =
        assertThrows(
            ForkedServer.NotReadyException.class,
            () ->
                server.awaitReady(
                    endpoint(),
                    "answering its probe",
                    Duration.ofSeconds(3),
                    () -> {
                      throw new IllegalStateException("no answer yet");
                    }));

    String message = failure.getMessage();
    assertTrue(message.startsWith("Listening was not answering its probe within 3 s"), message);
    assertTrue(message.contains("no answer yet"), message);
    assertTrue(
        message.contains("last " + ForkedServer.LOG_TAIL_LINES + " lines of " + spec.serverLog()),
        message);
    assertTrue(message.contains("server line 100"), message);
    assertFalse(message.contains("server line 60\n"), message);
    assertStopped(server, spec);
  }

  @Test
  void aServerThatExitsDuringStartupFailsWithTheEndOfItsConsoleOutput() throws Exception {
    ForkedServer.Spec spec =
        new ForkedServer.Spec(
            "Missing",
            directory,
            List.of("org.medtrace.forked.NoSuchServer"),
            "server.log",
            Duration.ofSeconds(5),
            log());
    spec.writeArgumentFile(List.of("-cp", testClasses()));
    ForkedServer server = start(spec);

    ForkedServer.NotReadyException failure =
        assertThrows(
            ForkedServer.NotReadyException.class,
            () -> server.awaitReady(endpoint(), "listening", READY_TIMEOUT, () -> "never"));

    assertTrue(
        failure.getMessage().startsWith("Missing exited with code 1 during startup"),
        failure.getMessage());
    assertTrue(
        failure.getMessage().contains("org.medtrace.forked.NoSuchServer"), failure.getMessage());
    assertFalse(Files.exists(spec.pidFile()));
  }

  @Test
  void stopKillsAServerThatDoesNotEndWithinTheGracePeriod() throws Exception {
    ForkedServer.Spec spec = listeningServer(Duration.ofSeconds(1), "ignore-sigterm");
    ForkedServer server = start(spec);
    server.awaitReady(endpoint(), "listening", READY_TIMEOUT, () -> true);

    server.stop();

    assertStopped(server, spec);
    assertLogged(warnings, "did not stop within PT1S; killing it");
  }

  /** What a launcher's JVM killed with {@code kill -9} leaves behind: a server and its PID file. */
  @Test
  void stopLeftoverStopsOnlyTheProcessThePidFileNamesWithTheSameArguments() throws Exception {
    ForkedServer.Spec spec = listeningServer(Duration.ofSeconds(30));
    ForkedServer abandoned = start(spec);
    abandoned.awaitReady(endpoint(), "listening", READY_TIMEOUT, () -> true);
    ProcessHandle leftover = ProcessHandle.of(abandoned.pid()).orElseThrow();
    ForkedServer.Spec otherServer =
        new ForkedServer.Spec(
            "Listening",
            directory,
            List.of(ListeningServer.class.getName(), ADDRESS, "1"),
            "server.log",
            Duration.ofSeconds(30),
            log());

    otherServer.stopLeftover();

    assertTrue(leftover.isAlive(), "a process with other arguments is not this server");
    assertFalse(Files.exists(spec.pidFile()));

    Files.writeString(spec.pidFile(), Long.toString(leftover.pid()));
    spec.stopLeftover();

    assertFalse(leftover.isAlive());
    assertFalse(Files.exists(spec.pidFile()));
    assertLogged(warnings, "left running on " + directory);
  }

  @Test
  void stopLeftoverIgnoresAPidFileOfAProcessThatIsGoneOrNotANumber() throws Exception {
    ForkedServer.Spec spec = listeningServer(Duration.ofSeconds(30));
    spec.stopLeftover();
    Files.writeString(spec.pidFile(), "not a pid");

    spec.stopLeftover();

    assertFalse(Files.exists(spec.pidFile()));
  }

  @Test
  void refusesAPortSomethingElseListensOn() throws Exception {
    InetSocketAddress endpoint = endpoint();
    try (ServerSocket occupant = new ServerSocket(port, 1, InetAddress.getByName(ADDRESS))) {
      IllegalStateException failure =
          assertThrows(
              IllegalStateException.class,
              () -> ForkedServer.requireNothingListensOn(endpoint, "stop it or pick another port"));
      assertEquals(
          "Something already listens on " + ADDRESS + ":" + port + "; stop it or pick another port",
          failure.getMessage());
    }
    ForkedServer.requireNothingListensOn(endpoint, "free now");
  }

  @Test
  void classpathFileErrorsSayWhichFileAndHowToBuildIt() throws Exception {
    Path missing = directory.resolve("server.classpath");
    IOException absent =
        assertThrows(
            IOException.class,
            () ->
                ForkedServer.readClasspathFile(
                    missing, "Server", "mvn -pl server-runtime install"));
    assertEquals(
        "Server's classpath file "
            + missing
            + " does not exist; build it with `mvn -pl server-runtime install`",
        absent.getMessage());

    Files.writeString(missing, " \n");
    IOException empty =
        assertThrows(
            IOException.class, () -> ForkedServer.readClasspathFile(missing, "Server", "x"));
    assertEquals("Server's classpath file " + missing + " is empty", empty.getMessage());

    Files.writeString(missing, "a.jar:b.jar\n");
    assertEquals("a.jar:b.jar", ForkedServer.readClasspathFile(missing, "Server", "x"));
  }

  @Test
  void tailQuotesTheLastLinesOrSaysTheFileIsMissing() throws Exception {
    Path log = directory.resolve("some.log");

    assertEquals("\n--- " + log + " does not exist ---\n", ForkedServer.tail(log, 2));

    Files.writeString(log, "one\ntwo\nthree\n");
    assertEquals("\n--- last 2 lines of " + log + " ---\ntwo\nthree\n", ForkedServer.tail(log, 2));
  }

  private ForkedServer.Spec listeningServer(Duration stopGracePeriod, String... extraArguments)
      throws IOException, URISyntaxException {
    List<String> identifying =
        new ArrayList<>(List.of(ListeningServer.class.getName(), ADDRESS, Integer.toString(port)));
    identifying.addAll(List.of(extraArguments));
    ForkedServer.Spec spec =
        new ForkedServer.Spec(
            "Listening", directory, identifying, "server.log", stopGracePeriod, log());
    spec.writeArgumentFile(List.of("-Xmx32m", "-Dmarker=" + MARKER, "-cp", testClasses()));
    return spec;
  }

  private ForkedServer start(ForkedServer.Spec spec) throws IOException {
    ForkedServer server = ForkedServer.start(spec, ForkedServer.currentJava());
    started.add(server);
    return server;
  }

  private static void assertStopped(ForkedServer server, ForkedServer.Spec spec) {
    assertFalse(server.isAlive());
    assertFalse(Files.exists(spec.pidFile()), "the PID file is deleted");
  }

  private static void assertLogged(List<String> lines, String fragment) {
    assertTrue(lines.stream().anyMatch(line -> line.contains(fragment)), lines.toString());
  }

  private InetSocketAddress endpoint() {
    return new InetSocketAddress(ADDRESS, port);
  }

  private ForkedServer.Log log() {
    return new ForkedServer.Log(infos::add, warnings::add);
  }

  private static String testClasses() throws URISyntaxException {
    return Path.of(
            ListeningServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
  }
}
