package org.medtrace.forked;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The per-JVM fixture plumbing, with a stand-in for the server. */
class PerJvmServerTest {

  /** Stands in for a launcher: records what happened to it. */
  private static final class FakeServer implements AutoCloseable {
    final Path directory;
    final boolean directoryWasEmpty;
    boolean closed;

    FakeServer(Path directory) throws IOException {
      this.directory = directory;
      this.directoryWasEmpty = !Files.exists(directory);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private final List<Path> leftoverChecks = new CopyOnWriteArrayList<>();

  @Test
  void startsOnAFreshDirectoryAfterStoppingALeftoverAndStopsWhenClosed() throws Exception {
    PerJvmServer<FakeServer> fixture =
        new PerJvmServer<>(
            "Fake-Start", PerJvmServerTest.class, leftoverChecks::add, FakeServer::new);
    Path directory = PerJvmServer.workDirectory().resolve("fake-start");
    Files.createDirectories(directory.resolve("data"));
    Files.writeString(directory.resolve("data").resolve("old"), "from an earlier run");

    AutoCloseable handle = fixture.start();
    FakeServer server = fixture.running();

    assertEquals(List.of(directory), leftoverChecks);
    assertEquals(directory, server.directory);
    assertTrue(server.directoryWasEmpty, "the earlier run's data is wiped before the start");
    handle.close();
    assertTrue(server.closed);
    assertThrows(IllegalStateException.class, fixture::running);
  }

  @Test
  void runningTellsWhichExtensionATestClassLacks() {
    PerJvmServer<FakeServer> fixture =
        new PerJvmServer<>("Fake", PerJvmServerTest.class, leftoverChecks::add, FakeServer::new);

    IllegalStateException failure = assertThrows(IllegalStateException.class, fixture::running);

    assertEquals(
        "No Fake is running: annotate the test class with @ExtendWith(PerJvmServerTest.class)",
        failure.getMessage());
  }

  @Test
  void aServerThatFailsToStartFailsTheFixtureUnchecked() {
    IOException cause = new IOException("no classpath file");
    PerJvmServer<FakeServer> fixture =
        new PerJvmServer<>(
            "Fake-Broken",
            PerJvmServerTest.class,
            leftoverChecks::add,
            directory -> {
              throw cause;
            });

    UncheckedIOException failure = assertThrows(UncheckedIOException.class, () -> fixture.start());

    assertSame(cause, failure.getCause());
    assertThrows(IllegalStateException.class, fixture::running);
  }

  @Test
  void deleteRecursivelyRemovesATreeAndToleratesAMissingOne() throws Exception {
    Path tree = PerJvmServer.workDirectory().resolve("tree-to-delete");
    Files.createDirectories(tree.resolve("a").resolve("b"));
    Files.writeString(tree.resolve("a").resolve("b").resolve("c"), "x");

    PerJvmServer.deleteRecursively(tree);
    PerJvmServer.deleteRecursively(tree);

    assertFalse(Files.exists(tree));
  }
}
