package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/** The capture endpoint hands the document and the token's party over, and reports each event's outcome. */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EpcisRoutesTest {

  private static final String DOCUMENT = "{\"type\":\"EPCISDocument\",\"epcisBody\":{\"eventList\":[]}}";

  private ApiTestNode node;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_epcis");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theCallerFromTheTokenCapturesTheDocumentAsSent() {
    String carrier = node.tokens().token(Role.LOGISTICS, "cold-logistics", "gateway-1");

    ApiClient.Reply reply = node.client().post("/api/v1/epcis/capture", carrier, DOCUMENT);

    assertEquals(200, reply.status(), reply::toString);
    assertEquals(1, reply.json().path("stored").asInt(), reply::toString);
    RecordingEpcisCapture.Captured captured = node.epcis().captured().get(node.epcis().captured().size() - 1);
    assertEquals(new ActingParty("cold-logistics", "gateway-1", Role.LOGISTICS), captured.caller());
    assertArrayEquals(DOCUMENT.getBytes(StandardCharsets.UTF_8), captured.document());
  }

  @Test
  void refusedEventsMakeA422ThatListsEveryOutcome() {
    node.epcis()
        .answerWith(
            List.of(
                new EpcisCaptureService.CapturedEvent("ev-1", true, 1, 0, "", ""),
                new EpcisCaptureService.CapturedEvent("ev-2", false, 0, 0, "MALFORMED", "bizStep is missing")));
    try {
      String maker = node.tokens().token(Role.MANUFACTURER, "acme-pharma", "qa-lead");

      ApiClient.Reply reply = node.client().post("/api/v1/epcis/capture", maker, DOCUMENT);

      assertEquals(422, reply.status(), reply::toString);
      assertEquals("1 of 2 events were refused (the others are recorded): ev-2: bizStep is missing", reply.json().path("detail").asText());
      assertEquals("MALFORMED", reply.json().path("outcomes").get(1).path("reason").asText(), reply::toString);
    } finally {
      node.epcis().answerWith(List.of(new EpcisCaptureService.CapturedEvent("event-1", true, 1, 0, "", "")));
    }
  }

  @Test
  void anEmptyBodyIsMalformed() {
    String maker = node.tokens().token(Role.MANUFACTURER, "acme-pharma", "qa-lead");
    assertEquals(400, node.client().post("/api/v1/epcis/capture", maker, "").status());
  }
}
