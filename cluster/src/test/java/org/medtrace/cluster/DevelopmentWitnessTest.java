package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.ingest.kafka.RealKafka;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * In development mode the node runs a witness of its own log, and says everywhere that it is no
 * independent witness: in its name (and so in every cosignature line) and in its description.
 */
@ExtendWith({RealCassandra.class, RealKafka.class})
class DevelopmentWitnessTest {

  @Test
  void theDevelopmentNodeIsItsOwnWitnessClearlyLabelled() throws Exception {
    Path issuer = Path.of(System.getProperty("medtrace.test.work-dir", "target/test-work")).toAbsolutePath().resolve("dev_witness-dev-issuer");
    try (DevelopmentNode node = DevelopmentNode.start("dev_witness", issuer)) {
      var reply = node.client().get("/api/v1/witness", null);
      assertEquals(200, reply.status(), reply.toString());
      JsonNode witness = reply.json();
      assertTrue(witness.path("developmentSelfWitness").asBoolean(), reply.toString());
      assertTrue(witness.path("name").asText().contains("NOT-INDEPENDENT"), reply.toString());
      assertTrue(witness.path("key").asText().startsWith(witness.path("name").asText() + "+"), reply.toString());
    }
  }
}
