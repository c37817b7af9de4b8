package org.medtrace.forked;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The plumbing of a test fixture that gives tests one real server per test JVM (such as {@code
 * RealCassandra} and {@code RealKafka}): the server is started the first time a test class needs
 * it, on a fresh directory, and runs until the whole test run ends.
 *
 * <p>Free of JUnit on purpose, so that it can live in this module's main code. The fixture's JUnit
 * extension keeps the handle {@link #start()} returns in JUnit's root store: that store lives as
 * long as the test run and closes its {@link AutoCloseable} values at the end, which is what stops
 * the server after the last test class, not after the first. A shutdown hook of the server's
 * launcher stops it if the run is aborted.
 *
 * <p>Where servers run comes from system properties that Maven's surefire sets ({@value
 * #LOOPBACK_ADDRESS_PROPERTY}, {@value #WORK_DIR_PROPERTY} and each server's classpath file); an
 * IDE running tests from a module directory gets working defaults.
 *
 * @param <S> the running server as the fixture holds it; closing it stops the server
 */
public final class PerJvmServer<S extends AutoCloseable> {

  /** The loopback address test servers listen on; two checkouts test at once on different ones. */
  public static final String LOOPBACK_ADDRESS_PROPERTY = "medtrace.test.loopback-address";

  /** The directory test servers keep their files in; {@code target/test-work} by default. */
  public static final String WORK_DIR_PROPERTY = "medtrace.test.work-dir";

  /**
   * Starts the server in an empty directory; its checked exceptions become unchecked ones in {@link
   * #start()}.
   */
  @FunctionalInterface
  public interface Starter<S> {
    S start(Path directory) throws IOException, InterruptedException;
  }

  /** Stops a server left running in a directory by an aborted run, as its launcher can. */
  @FunctionalInterface
  public interface LeftoverStopper {
    void stopLeftover(Path directory) throws IOException;
  }

  private final String name;
  private final Class<?> fixture;
  private final LeftoverStopper stopper;
  private final Starter<S> starter;

  /** Set while the server runs; {@link #running()} reads it. */
  private volatile S running;

  /**
   * @param name the server's name in messages, e.g. {@code Cassandra}; its directory is {@code
   *     <work directory>/<name in lower case>}
   * @param fixture the JUnit extension a test class must be annotated with to get the server
   * @param stopper stops a server an aborted run left in the directory
   * @param starter starts the server in the emptied directory
   */
  public PerJvmServer(String name, Class<?> fixture, LeftoverStopper stopper, Starter<S> starter) {
    this.name = Objects.requireNonNull(name, "name");
    this.fixture = Objects.requireNonNull(fixture, "fixture");
    this.stopper = Objects.requireNonNull(stopper, "stopper");
    this.starter = Objects.requireNonNull(starter, "starter");
  }

  /**
   * Starts the server in {@link #freshDirectory} and returns what stops it (and makes {@link
   * #running()} refuse again).
   *
   * @throws UncheckedIOException if the server does not start
   * @throws IllegalStateException if the starting thread is interrupted (its flag stays set)
   */
  public AutoCloseable start() {
    S server;
    try {
      server = starter.start(freshDirectory(name.toLowerCase(Locale.ROOT), stopper));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting " + name, e);
    }
    running = server;
    return () -> {
      running = null;
      server.close();
    };
  }

  /**
   * The running server.
   *
   * @throws IllegalStateException if it is not running: the test class lacks the extension
   */
  public S running() {
    S server = running;
    if (server == null) {
      throw new IllegalStateException(
          "No "
              + name
              + " is running: annotate the test class with @ExtendWith("
              + fixture.getSimpleName()
              + ".class)");
    }
    return server;
  }

  /** {@value #LOOPBACK_ADDRESS_PROPERTY}, 127.0.0.1 by default. */
  public static String loopbackAddress() {
    return System.getProperty(LOOPBACK_ADDRESS_PROPERTY, "127.0.0.1");
  }

  /** {@value #WORK_DIR_PROPERTY}, {@code target/test-work} by default. */
  public static Path workDirectory() {
    String configured = System.getProperty(WORK_DIR_PROPERTY);
    return configured != null ? Path.of(configured) : Path.of("target", "test-work");
  }

  /**
   * The server's classpath file as the system property {@code property} names it, or else {@code
   * target/<fileName>} of the runtime module {@code runtimeModule}: outside Maven (an IDE), tests
   * run in their module's directory, next to the runtime module's.
   */
  public static Path classpathFile(String property, String runtimeModule, String fileName) {
    String configured = System.getProperty(property);
    return configured != null
        ? Path.of(configured)
        : Path.of("..", runtimeModule, "target", fileName);
  }

  /**
   * {@code <work directory>/<name>}, emptied: a server orphaned by an aborted run would hold the
   * ports, so it is stopped before its data is wiped.
   */
  public static Path freshDirectory(String name, LeftoverStopper stopper) throws IOException {
    Path directory = workDirectory().resolve(name);
    stopper.stopLeftover(directory);
    deleteRecursively(directory);
    return directory;
  }

  /** Deletes {@code directory} and everything in it; does nothing if it does not exist. */
  public static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
