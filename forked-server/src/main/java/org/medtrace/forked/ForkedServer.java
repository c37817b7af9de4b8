package org.medtrace.forked;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A server (Cassandra, Kafka) running in a JVM of its own, started by a launcher of this JVM: what
 * the launchers of such servers share, with the JDK only.
 *
 * <p>The server runs as {@code java @<argument file> <identifying arguments>}: everything but the
 * arguments that identify it (its main class and its configuration) sits in the argument file,
 * which the launcher writes with {@link Spec#writeArgumentFile(List)}. The classpath alone is
 * several KB, and the JDK reports no arguments for a process whose command line exceeds 4 KB, which
 * would leave {@link Spec#stopLeftover()} unable to recognise the server (and makes {@code ps}
 * output unreadable).
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>{@link #start(Spec, Path)} writes the server's PID file and registers a JVM shutdown hook
 *       that stops it, so an aborted run leaves no server behind.
 *   <li>{@link Spec#stopLeftover()} stops a server orphaned by a {@code kill -9} of its launcher's
 *       JVM, recognised by its PID file and its identifying arguments; no other process is touched.
 *   <li>{@link #awaitReady} returns only once the server's port accepts connections and a probe
 *       succeeds; if the process dies first or the timeout passes, it stops the process and throws
 *       a {@link NotReadyException} whose message carries the tail of the server's logs.
 *   <li>{@link #stop()} sends SIGTERM (the server shuts down in a controlled way), waits up to
 *       {@link Spec#stopGracePeriod()}, then kills, and deletes the PID file; it is idempotent.
 * </ul>
 */
public final class ForkedServer {

  /** How many lines of the server's own log a startup failure quotes. */
  public static final int LOG_TAIL_LINES = 40;

  /** How many lines of the JVM's stdout/stderr a startup failure quotes (JVM errors land there). */
  public static final int CONSOLE_TAIL_LINES = 15;

  static final Duration POLL_INTERVAL = Duration.ofMillis(250);

  /**
   * Options a developer may have set for their own JVMs; the {@code java} launcher would apply them
   * to the server too and make its start depend on the shell it ran from.
   */
  private static final List<String> INHERITED_JVM_OPTION_VARIABLES =
      List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH");

  private final Spec spec;
  private final Process process;
  private final long startedAt;
  private final Thread shutdownHook;
  private boolean stopped;

  private ForkedServer(Spec spec, Process process) {
    this.spec = spec;
    this.process = process;
    this.startedAt = System.nanoTime();
    // The hook holds no lock: it must be able to kill the server while a launcher still waits for
    // it to become ready.
    this.shutdownHook =
        new Thread(
            () -> {
              terminate(process.toHandle(), spec);
              deletePidFile(spec);
            },
            spec.name().toLowerCase(Locale.ROOT) + "-launcher-shutdown-" + process.pid());
  }

  /**
   * Starts {@code java @argumentFile identifyingArguments} in the server's directory, its stdout
   * and stderr appended to the console log, without the caller's JVM option variables; registers
   * the shutdown hook and writes the PID file. The argument file must have been written.
   *
   * @param javaExecutable the {@code java} that runs the server
   */
  public static ForkedServer start(Spec spec, Path javaExecutable) throws IOException {
    Files.createDirectories(spec.logDirectory());
    Process process =
        processBuilder(spec.command(javaExecutable), spec.directory())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.consoleLog().toFile()))
            .start();
    ForkedServer server = new ForkedServer(spec, process);
    Runtime.getRuntime().addShutdownHook(server.shutdownHook);
    try {
      Files.writeString(spec.pidFile(), Long.toString(process.pid()));
    } catch (IOException e) {
      server.stop();
      throw e;
    }
    return server;
  }

  /**
   * A process builder for {@code command} in {@code directory}, without the environment variables
   * through which the caller's shell would add JVM options or a classpath to the child.
   */
  public static ProcessBuilder processBuilder(List<String> command, Path directory) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    INHERITED_JVM_OPTION_VARIABLES.forEach(builder.environment()::remove);
    return builder;
  }

  /** The server process's PID. */
  public long pid() {
    return process.pid();
  }

  /** Whether the server process is alive. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until the server process exits, e.g. stopped by the shutdown hook on Ctrl-C. */
  public int waitForExit() throws InterruptedException {
    return process.waitFor();
  }

  /** Seconds since {@link #start(Spec, Path)}, for log lines such as "ready after 9.8 s". */
  public String secondsSinceStart() {
    return seconds(System.nanoTime() - startedAt);
  }

  /**
   * Polls until {@code port} accepts connections and then {@code probe} returns; returns what the
   * probe returned. A port opens shortly before a server serves requests, so only a real request
   * (the probe) tells; the probe's exceptions mean "not yet", except {@link InterruptedException}.
   * If it does not return normally, whatever the reason (an interrupt too), the server is stopped.
   *
   * @param readiness what "ready" means, for the failure message: "Cassandra was not " + readiness
   * @param timeout counted from {@link #start(Spec, Path)}
   * @throws NotReadyException if the process exits or the timeout passes first; the message ends
   *     with the tails of the server's log and console log
   */
  public <T> T awaitReady(
      InetSocketAddress port, String readiness, Duration timeout, Callable<T> probe)
      throws NotReadyException, InterruptedException {
    boolean ready = false;
    try {
      T answer = poll(port, readiness, timeout, probe);
      ready = true;
      return answer;
    } finally {
      if (!ready) {
        stop();
      }
    }
  }

  private <T> T poll(InetSocketAddress port, String readiness, Duration timeout, Callable<T> probe)
      throws NotReadyException, InterruptedException {
    long deadline = startedAt + timeout.toNanos();
    Exception lastAttempt = null;
    while (true) {
      if (!process.isAlive()) {
        throw new NotReadyException(
            spec.name()
                + " exited with code "
                + process.exitValue()
                + " during startup"
                + logTails());
      }
      if (System.nanoTime() - deadline > 0) {
        String cause = lastAttempt == null ? "" : " (last attempt: " + lastAttempt + ")";
        throw new NotReadyException(
            spec.name()
                + " was not "
                + readiness
                + " within "
                + timeout.toSeconds()
                + " s"
                + cause
                + logTails());
      }
      if (acceptsConnections(port)) {
        try {
          return probe.call();
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception notYet) {
          lastAttempt = notYet;
        }
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }

  private String logTails() {
    return tail(spec.serverLog(), LOG_TAIL_LINES) + tail(spec.consoleLog(), CONSOLE_TAIL_LINES);
  }

  /**
   * Stops the server: SIGTERM, up to {@link Spec#stopGracePeriod()} to shut down, then SIGKILL;
   * deletes the PID file. Does nothing the second time.
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException jvmAlreadyExiting) {
      // The hook is running or about to run and stops the server itself.
    }
    long stoppingAt = System.nanoTime();
    if (process.isAlive()) {
      spec.log().info().accept("Stopping " + spec.name() + " (pid " + process.pid() + ")");
      terminate(process.toHandle(), spec);
    }
    deletePidFile(spec);
    spec.log()
        .info()
        .accept(
            spec.name()
                + " stopped after "
                + seconds(System.nanoTime() - stoppingAt)
                + " s (exit code "
                + (process.isAlive() ? "unknown" : Integer.toString(process.exitValue()))
                + ")");
  }

  private static void deletePidFile(Spec spec) {
    try {
      Files.deleteIfExists(spec.pidFile());
    } catch (IOException e) {
      spec.log().warn().accept("Could not delete " + spec.pidFile() + ": " + e);
    }
  }

  private static void terminate(ProcessHandle handle, Spec spec) {
    Duration gracePeriod = spec.stopGracePeriod();
    handle.destroy();
    try {
      handle.onExit().get(gracePeriod.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      spec.log()
          .warn()
          .accept(
              spec.name()
                  + " (pid "
                  + handle.pid()
                  + ") did not stop within "
                  + gracePeriod
                  + "; killing it");
      handle.destroyForcibly();
      handle.onExit().join();
    } catch (InterruptedException e) {
      handle.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("Waiting for " + spec.name() + " to exit failed", e);
    }
  }

  /**
   * Throws unless nothing listens on {@code address}: a test would otherwise silently talk to
   * whatever server already runs there.
   *
   * @param advice what to do about it, e.g. "stop it or choose another port for this node"
   */
  public static void requireNothingListensOn(InetSocketAddress address, String advice) {
    if (acceptsConnections(address)) {
      throw new IllegalStateException(
          "Something already listens on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + "; "
              + advice);
    }
  }

  /** Whether a TCP connection to {@code address} succeeds within half a second. */
  private static boolean acceptsConnections(InetSocketAddress address) {
    try (Socket socket = new Socket()) {
      socket.connect(address, 500);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  /**
   * The server's runtime classpath, read from the one-line file a runtime module writes at build
   * time.
   *
   * @param howToBuild the command that writes the file, quoted in the error
   * @throws IOException naming the file and {@code howToBuild} if it is missing, or if it is empty
   */
  public static String readClasspathFile(Path classpathFile, String name, String howToBuild)
      throws IOException {
    if (!Files.isRegularFile(classpathFile)) {
      throw new IOException(
          name
              + "'s classpath file "
              + classpathFile
              + " does not exist; build it with `"
              + howToBuild
              + "`");
    }
    String classpath = Files.readString(classpathFile).trim();
    if (classpath.isEmpty()) {
      throw new IOException(name + "'s classpath file " + classpathFile + " is empty");
    }
    return classpath;
  }

  /**
   * A {@code java} argument file: one argument per line, quoted, because java's argument-file
   * syntax splits on unquoted whitespace; inside quotes a backslash escapes, so backslashes are
   * doubled.
   */
  public static String argumentFile(List<String> arguments) {
    return arguments.stream()
        .map(
            argument -> {
              String escaped = argument.replace("\\", "\\\\");
              char quote = escaped.indexOf('"') < 0 ? '"' : '\'';
              return quote + escaped + quote;
            })
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /** The last lines of a log file, read from its end so a huge log costs nothing. */
  public static String tail(Path file, int lines) {
    if (!Files.isRegularFile(file)) {
      return "\n--- " + file + " does not exist ---\n";
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      int chunk = (int) Math.min(length, 256 * 1024);
      byte[] bytes = new byte[chunk];
      in.seek(length - chunk);
      in.readFully(bytes);
      List<String> all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
      return "\n--- last "
          + last.size()
          + " lines of "
          + file
          + " ---\n"
          + String.join("\n", last)
          + "\n";
    } catch (IOException e) {
      return "\n--- could not read " + file + ": " + e + " ---\n";
    }
  }

  /** The {@code java} binary of the running JVM. */
  public static Path currentJava() {
    return ProcessHandle.current()
        .info()
        .command()
        .map(Path::of)
        .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java"));
  }

  /** Throws {@link IllegalArgumentException} unless {@code port} is a TCP port number. */
  public static void requirePort(int port, String name) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(name + " must be in 1..65535, was " + port);
    }
  }

  /** {@code nanos} as seconds with one decimal, for log lines. */
  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
  }

  /**
   * A server's directory and how to recognise and stop its process. The directory holds {@code
   * conf/jvm.args} (the argument file), {@code logs/} (the server's own log and {@code
   * console.log}, the JVM's stdout and stderr) and {@code <name>.pid}; the server keeps whatever
   * else it needs there too.
   *
   * @param name the server's name in log lines, messages, thread names and the PID file's name,
   *     e.g. {@code Cassandra}
   * @param directory the server's directory, the process's working directory
   * @param identifyingArguments the arguments after the argument file: the main class and what
   *     tells this server's configuration apart from any other's; {@link #stopLeftover()} requires
   *     them all
   * @param serverLogName the file name, in {@code logs/}, of the server's own log, which a startup
   *     failure quotes
   * @param stopGracePeriod how long {@link ForkedServer#stop()} lets the server shut down after
   *     SIGTERM before killing it
   * @param log where {@link ForkedServer} reports what it does (the launcher's logger)
   */
  public record Spec(
      String name,
      Path directory,
      List<String> identifyingArguments,
      String serverLogName,
      Duration stopGracePeriod,
      Log log) {

    public Spec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(directory, "directory");
      identifyingArguments = List.copyOf(identifyingArguments);
      Objects.requireNonNull(serverLogName, "serverLogName");
      Objects.requireNonNull(stopGracePeriod, "stopGracePeriod");
      Objects.requireNonNull(log, "log");
    }

    /** The {@code java} argument file: JVM options, classpath, whatever does not identify it. */
    public Path argumentFile() {
      return directory.resolve("conf").resolve("jvm.args");
    }

    /** Writes {@link #argumentFile()} (see {@link ForkedServer#argumentFile(List)}). */
    public void writeArgumentFile(List<String> arguments) throws IOException {
      Files.createDirectories(argumentFile().getParent());
      Files.writeString(argumentFile(), ForkedServer.argumentFile(arguments));
    }

    /** Where the server's logs go. */
    public Path logDirectory() {
      return directory.resolve("logs");
    }

    /** The server's own log. */
    public Path serverLog() {
      return logDirectory().resolve(serverLogName);
    }

    /** Everything the server's JVM wrote to stdout and stderr. */
    public Path consoleLog() {
      return logDirectory().resolve("console.log");
    }

    /** Holds the PID of the running server, e.g. {@code cassandra.pid}. */
    public Path pidFile() {
      return directory.resolve(name.toLowerCase(Locale.ROOT) + ".pid");
    }

    /** {@code java @argumentFile identifyingArguments...}. */
    public List<String> command(Path javaExecutable) {
      List<String> command = new ArrayList<>();
      command.add(javaExecutable.toString());
      command.add("@" + argumentFile());
      command.addAll(identifyingArguments);
      return command;
    }

    /**
     * Stops a server left running in this directory by a JVM that died without running its shutdown
     * hooks ({@code kill -9}, a killed IDE), then deletes the PID file. Only the process named in
     * the PID file is touched, and only if its command line contains every one of the {@link
     * #identifyingArguments()}: a PID reused by an unrelated process is left alone.
     */
    public void stopLeftover() throws IOException {
      if (!Files.isRegularFile(pidFile())) {
        return;
      }
      String recorded = Files.readString(pidFile()).trim();
      Optional<ProcessHandle> leftover;
      try {
        leftover = ProcessHandle.of(Long.parseLong(recorded));
      } catch (NumberFormatException e) {
        leftover = Optional.empty();
      }
      leftover
          .filter(ProcessHandle::isAlive)
          .filter(
              handle ->
                  handle
                      .info()
                      .arguments()
                      .map(Arrays::asList)
                      .orElse(List.of())
                      .containsAll(identifyingArguments))
          .ifPresent(
              handle -> {
                log.warn()
                    .accept(
                        "Stopping "
                            + name
                            + " (pid "
                            + handle.pid()
                            + ") left running on "
                            + directory
                            + " by an earlier run");
                terminate(handle, this);
              });
      Files.deleteIfExists(pidFile());
    }
  }

  /**
   * Where {@link ForkedServer} reports what it does; launchers pass their own logger's methods,
   * e.g. {@code new Log(log::info, log::warn)}, so this module needs no logging library.
   */
  public record Log(Consumer<String> info, Consumer<String> warn) {

    public Log {
      Objects.requireNonNull(info, "info");
      Objects.requireNonNull(warn, "warn");
    }
  }

  /** The server did not become ready; the message ends with the tails of its logs. */
  public static final class NotReadyException extends IOException {
    private static final long serialVersionUID = 1L;

    NotReadyException(String messageWithLogTails) {
      super(messageWithLogTails);
    }
  }
}
