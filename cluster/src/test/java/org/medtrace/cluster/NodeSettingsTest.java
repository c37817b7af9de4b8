package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped configuration files parse, and say what the README promises. */
class NodeSettingsTest {

  private static final String JOURNAL_CONSISTENCY =
      "datastax-java-driver.profiles.pekko-persistence-cassandra-profile.basic.request.consistency";

  @Test
  void productionDefaultsAreReplicationFactorThreeAtQuorumWithoutSchemaCreation() {
    Config config = ConfigFactory.load();
    NodeSettings settings = NodeSettings.from(config);
    assertEquals(3, settings.cassandra().replicationFactor());
    assertEquals("QUORUM", config.getString(JOURNAL_CONSISTENCY));
    assertFalse(settings.cassandra().createSchema());
    assertTrue(settings.cassandra().embedded().isEmpty());
    assertFalse(config.getBoolean("pekko.persistence.cassandra.journal.keyspace-autocreate"));
    assertFalse(config.getBoolean("pekko.persistence.cassandra.journal.tables-autocreate"));
    assertEquals("keep-majority", config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(3, settings.batchRules().coldChainConsecutiveLimit());
    assertEquals(1000, settings.deviceRules().intervalFor("any-model"));
    assertTrue(settings.ledger().signer().isEmpty());
    assertEquals(List.of(), settings.seedNodes());
  }

  @Test
  void developmentModeRunsItsOwnCassandraAtReplicationFactorOneAndConsistencyOne() {
    Config config = ConfigFactory.load("development");
    NodeSettings settings = NodeSettings.from(config);
    assertEquals(1, settings.cassandra().replicationFactor());
    assertEquals("ONE", config.getString(JOURNAL_CONSISTENCY));
    assertTrue(settings.cassandra().createSchema());
    assertTrue(settings.cassandra().embedded().isPresent());
    assertEquals(9042, settings.cassandra().embedded().get().cqlPort());
    assertEquals("127.0.0.1", settings.cassandra().embedded().get().address());
  }

  @Test
  void developmentCassandraListensOnTheConfiguredLoopbackAddress() {
    Config config =
        ConfigFactory.parseString("medtrace.cassandra.embedded.address = \"127.0.0.7\"")
            .withFallback(ConfigFactory.load("development"));
    assertEquals("127.0.0.7", NodeSettings.from(config).cassandra().embedded().get().address());
  }

  @Test
  void commaSeparatedDeployValuesBecomeLists() {
    Config config =
        ConfigFactory.parseString(
                """
                medtrace.cluster.seed-nodes = "pekko://medtrace@10.0.0.1:25520, pekko://medtrace@10.0.0.2:25520"
                medtrace.cassandra.contact-points = "10.0.1.1:9042,10.0.1.2:9042"
                medtrace.ledger.medical-device.maintenance-interval-hours-by-model { "InfusionPump-X2" = 500 }
                """)
            .withFallback(ConfigFactory.load())
            .resolve();
    NodeSettings settings = NodeSettings.from(config);
    assertEquals(List.of("pekko://medtrace@10.0.0.1:25520", "pekko://medtrace@10.0.0.2:25520"), settings.seedNodes());
    assertEquals(List.of("10.0.1.1:9042", "10.0.1.2:9042"), settings.cassandra().contactPoints());
    assertEquals(500, settings.deviceRules().intervalFor("InfusionPump-X2"));
  }
}
