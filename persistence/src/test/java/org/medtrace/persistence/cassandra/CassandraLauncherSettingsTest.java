package org.medtrace.persistence.cassandra;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the launcher writes for a node, without starting one. */
class CassandraLauncherSettingsTest {

  private static final CassandraLauncher.Settings NODE =
      CassandraLauncher.Settings.defaults(Path.of("target", "settings-test-node"), Path.of("cassandra.classpath"))
          .withAddress("127.0.0.2")
          .withStoragePort(17100);

  @Test
  void aNodeWithoutSeedsIsItsOwnSeed() {
    assertTrue(
        new CassandraLauncher(NODE).cassandraYaml().contains("- seeds: \"127.0.0.2:17100\""),
        "a node alone must gossip with itself");
  }

  @Test
  void aClusterNodeNamesTheClustersSeeds() {
    CassandraLauncher launcher =
        new CassandraLauncher(NODE.withSeeds(List.of("127.0.0.1:17100", "127.0.0.3:17100")));

    assertTrue(launcher.cassandraYaml().contains("- seeds: \"127.0.0.1:17100,127.0.0.3:17100\""), launcher.cassandraYaml());
  }

  @Test
  void ringDelayBecomesTheNodesJvmOption() {
    assertTrue(new CassandraLauncher(NODE).jvmArguments("cp").contains("-Dcassandra.ring_delay_ms=1000"));
    assertTrue(
        new CassandraLauncher(NODE.withRingDelay(Duration.ofSeconds(5))).jvmArguments("cp")
            .contains("-Dcassandra.ring_delay_ms=5000"));
  }

  @Test
  void aWriteIsAcknowledgedOnlyOnceItsCommitLogEntryIsSynced() {
    assertTrue(new CassandraLauncher(NODE).cassandraYaml().contains("\ncommitlog_sync: batch\n"));
  }

  @Test
  void theCommitLogDiskAccessIsLeftToCassandraWhichPicksDirectIoWhereTheFileSystemAllowsIt() {
    assertTrue(new CassandraLauncher(NODE).cassandraYaml().contains("\ncommitlog_disk_access_mode: auto\n"));
  }

  @Test
  void refusesANonPositiveRingDelay() {
    assertThrows(IllegalArgumentException.class, () -> NODE.withRingDelay(Duration.ZERO));
  }
}
