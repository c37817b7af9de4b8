package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.BatchRoutesTest.assertProblem;
import static org.medtrace.http.JsonBodies.json;

import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * When the journal cannot commit, the API says so (503 with Retry-After) and never reports a
 * success; a read of patient data whose access event cannot be stored returns no data (fail
 * closed). The journal is broken for real: its table is dropped from this class's own keyspace.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailClosedTest {

  private static final String KEYSPACE = "http_failclosed";
  private static final String PATIENT = "patient-failclosed-1";

  private ApiTestNode node;

  @BeforeAll
  void start() {
    node = startWithTightBreaker(KEYSPACE);
  }

  /**
   * A node on {@code keyspace} whose asks time out after 3 s and whose ledger breaker opens after
   * two of them in a row, for 60 s (so that it is still open when a test looks).
   */
  static ApiTestNode startWithTightBreaker(String keyspace) {
    return ApiTestNode.start(keyspace, ConfigFactory.parseString(
                """
                medtrace.http.ask-timeout = 3s
                medtrace.http.request-timeout = 20s
                medtrace.http.ledger-breaker { max-failures = 2, reset-timeout = 60s }
                """));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aReadWhoseAccessEventCannotBeStoredFailsAndWritesAre503() {
    ApiClient api = node.client();
    String clinician = node.tokens().token(Role.CLINICIAN, "st-mary", "dr-house");
    assertEquals(
        201,
        api.post(
                "/api/v1/patients/" + PATIENT + "/records",
                clinician,
                json(
                    "recordId", "rec-1", "category", "note", "contentSha256", "aa".repeat(32),
                    "locationUri", "https://ehr.example/rec-1", "sourceSystem", "ehr", "author", "dr-house"))
            .status());
    assertEquals(
        200,
        api.post(
                "/api/v1/patients/" + PATIENT + "/consents",
                node.tokens().patient(PATIENT),
                json(
                    "consentId", "c-1", "granteeOrganisation", "st-mary", "categories", List.of("*"),
                    "expiresAt", Instant.now().plus(1, ChronoUnit.DAYS).toString()))
            .status());
    assertEquals(200, api.get("/api/v1/patients/" + PATIENT + "/records?purpose=treatment", clinician).status());

    RealCassandra.session().execute("DROP TABLE " + KEYSPACE + "_journal.messages");

    ApiClient.Reply read = api.get("/api/v1/patients/" + PATIENT + "/records?purpose=treatment", clinician);
    assertProblem(read, 503, "unavailable");
    assertEquals("5", read.header("Retry-After").orElse(""));
    assertFalse(read.text().contains("ehr.example"), "no data without a stored access event: " + read);

    ApiClient.Reply write =
        api.post(
            "/api/v1/patients/" + PATIENT + "/records/rec-1/amendments", clinician, json("newContentSha256", "bb".repeat(32), "reason", "typo"));
    assertProblem(write, 503, "unavailable");
    assertEquals("5", write.header("Retry-After").orElse(""));

    // Two asks in a row went unanswered: this node stops asking and answers at once, saying that
    // nothing was sent, with how long until it tries again.
    ApiClient.Reply refused =
        api.post(
            "/api/v1/patients/" + PATIENT + "/records/rec-1/amendments", clinician, json("newContentSha256", "cc".repeat(32), "reason", "typo"));
    assertProblem(refused, 503, "unavailable");
    assertTrue(refused.text().contains("nothing was sent or stored"), refused.toString());
    long retryAfter = Long.parseLong(refused.header("Retry-After").orElse("0"));
    assertTrue(retryAfter > 5 && retryAfter <= 60, "Retry-After until the breaker lets an ask through: " + retryAfter);
  }
}
