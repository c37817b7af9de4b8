package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.BatchRoutesTest.assertProblem;
import static org.medtrace.http.JsonBodies.json;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/**
 * Batch registrations (unit index claims, then the ask) go through the same ledger breaker as every
 * other write: their failures count towards opening it, and once it is open a registration is
 * answered at once with 503, nothing sent — not even its unit serials claimed. The journal is
 * broken for real: its table is dropped from this class's own keyspace (as in {@link FailClosedTest}).
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchRegistrationBreakerTest {

  private static final String KEYSPACE = "http_batchbreaker";
  private static final String GTIN = Gtins.withCheckDigit("0950600013436");

  private ApiTestNode node;
  private ApiClient api;
  private String manufacturer;

  @BeforeAll
  void start() {
    node = FailClosedTest.startWithTightBreaker(KEYSPACE);
    api = node.client();
    manufacturer = node.tokens().token(Role.MANUFACTURER, "acme-pharma", "qa-lead");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private ApiClient.Reply register(String lot) {
    return api.post(
        "/api/v1/batches",
        manufacturer,
        json(
            "gtin", GTIN, "lot", lot, "productName", "Vaccine X", "expiryDate", LocalDate.now(ZoneOffset.UTC).plusYears(2).toString(),
            "quantity", 1, "qcReportSha256", "5a".repeat(32), "unitSerials", List.of(lot + "-U1")));
  }

  @Test
  void whileTheLedgerIsOutBatchRegistrationsCountTowardsTheBreakerAndAreRefusedAtOnceWhenItIsOpen() {
    assertEquals(201, register("BRK-OK").status(), "registrations work while the journal does");

    RealCassandra.session().execute("DROP TABLE " + KEYSPACE + "_journal.messages");

    // One unanswered ask of another write and one unanswered registration: two failures in a row.
    String deviceRegistration =
        json("model", "InfusionPump-X2", "serialNumber", "SN-BRK-1", "factoryTestReportSha256", "cd".repeat(32));
    ApiClient.Reply device = api.post("/api/v1/devices", node.tokens().token(Role.MANUFACTURER, "medidevice-gmbh", "factory-1"), deviceRegistration);
    assertProblem(device, 503, "unavailable");
    ApiClient.Reply timedOut = register("BRK-1");
    assertProblem(timedOut, 503, "unavailable");
    assertTrue(timedOut.text().contains("did not answer in time"), timedOut.toString());

    // The breaker is open: the next registration is not started, and says so.
    ApiClient.Reply refused = register("BRK-2");
    assertProblem(refused, 503, "unavailable");
    assertTrue(refused.text().contains("nothing was sent or stored"), refused.toString());
    long retryAfter = Long.parseLong(refused.header("Retry-After").orElse("0"));
    assertTrue(retryAfter > 5 && retryAfter <= 60, "Retry-After until the breaker lets a call through: " + retryAfter);
    assertNull(
        RealCassandra.session()
            .execute(
                SimpleStatement.newInstance(
                    "SELECT lot FROM " + KEYSPACE + "_journal.unit_index WHERE gtin = ? AND serial = ?", GTIN, "BRK-2-U1"))
            .one(),
        "not even the unit serials of the refused registration were claimed");
  }
}
