package org.medtrace.loadtests.http;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.doIfOrElse;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.foreach;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.tryMax;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.OpenInjectionStep;
import io.gatling.javaapi.core.Choice;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.medtrace.loadtests.http.HttpLoadSettings.Operation;

/**
 * HTTP load on a running medtrace node (issue 7, "HTTP load with Gatling"): after a set-up through
 * the API ({@link LedgerSetUp}), an open model starts {@code rate} operations per second for {@code
 * duration}, drawn from a mix of clinician reads (audited record reads, access logs), hospital batch
 * trails, pharmacist unit checks and dispensing, and partner writes with Idempotency-Keys
 * (temperature readings, shipment and receipt of new batches, device usage). Then one user checks
 * the ledger: every acknowledged write is in its entity's trail exactly once at its sequence number,
 * every audited read is in the access log, and every touched chain verifies intact. A failed check
 * fails the run (group {@value #CORRECTNESS}, asserted to have no failure) whatever its speed.
 *
 * <p>Settings: {@link HttpLoadSettings}. Run: {@code bin/medtrace-http-load}.
 */
public class MedtraceHttpSimulation extends Simulation {

  static final String CORRECTNESS = "correctness";

  private final HttpLoadSettings settings = HttpLoadSettings.fromSystemProperties();
  private final Tokens tokens = new Tokens(settings.issuerKeyDirectory());
  private final AcknowledgedWrites acknowledged = new AcknowledgedWrites();
  private final LedgerSetUp ledger = new LedgerSetUp(settings, tokens, acknowledged);
  private final AtomicLong keys = new AtomicLong();
  // What the correctness check found wrong, per entity, printed at the end (Gatling's own error
  // summary names the failed check but not what was wrong).
  private final Queue<String> problems = new ConcurrentLinkedQueue<>();

  {
    HttpProtocolBuilder protocol =
        http.baseUrl(settings.baseUrl()).acceptHeader("application/json").contentTypeHeader("application/json");
    setUp(
            mixedLoad()
                .injectOpen(injection())
                .andThen(correctnessCheck().injectOpen(atOnceUsers(1))))
        .protocols(protocol)
        .assertions(
            details(CORRECTNESS).failedRequests().count().is(0L),
            global().failedRequests().percent().lte(settings.maxFailedPercent()));
  }

  /** A ramp to the rate (when ramp-up is not 0), then the rate for the rest of the duration. */
  private List<OpenInjectionStep> injection() {
    List<OpenInjectionStep> steps = new ArrayList<>();
    if (!settings.rampUp().isZero()) {
      steps.add(rampUsersPerSec(0).to(settings.rate()).during(settings.rampUp()));
    }
    if (settings.duration().compareTo(settings.rampUp()) > 0) {
      steps.add(constantUsersPerSec(settings.rate()).during(settings.duration().minus(settings.rampUp())));
    }
    return steps;
  }

  @Override
  public void before() {
    System.out.printf(
        "medtrace HTTP load: run %s against %s, set-up of %d batches x %d units, %d devices, %d patients%n",
        settings.runId(), settings.baseUrl(), settings.batches(), settings.unitsPerBatch(), settings.devices(), settings.patients());
    long started = System.nanoTime();
    try {
      ledger.run();
    } catch (Exception e) {
      throw new IllegalStateException("the set-up failed, nothing was measured: " + e.getMessage(), e);
    }
    System.out.printf(
        "set-up done in %.1f s (%d writes); load: %.1f operations/s for %s, mix %s%n",
        (System.nanoTime() - started) / 1e9, acknowledged.writeCount(), settings.rate(), settings.duration(), settings.weights());
  }

  @Override
  public void after() {
    System.out.printf(
        "checked %d acknowledged writes and %d audited reads on %d batches/devices and %d patients%n",
        acknowledged.writeCount(), acknowledged.auditedReadCount(), acknowledged.entitiesWithTrails().size(),
        acknowledged.patients().size());
    problems.forEach(problem -> System.out.println("CORRECTNESS FAILURE " + problem));
  }

  /** "none", or what is wrong with {@code entity} (also kept for the summary at the end). */
  private String noted(String entity, Optional<String> problem) {
    problem.ifPresent(p -> problems.add(entity + ": " + p));
    return problem.orElse("none");
  }

  private ScenarioBuilder mixedLoad() {
    List<Choice.WithWeight> choices = new ArrayList<>();
    for (Operation operation : Operation.values()) {
      if (settings.weights().get(operation) > 0) {
        choices.add(percent(settings.percentOf(operation)).then(chainOf(operation)));
      }
    }
    return scenario("mixed load").exec(randomSwitch().on(choices));
  }

  private ChainBuilder chainOf(Operation operation) {
    return switch (operation) {
      case READ_PATIENT_RECORDS -> readPatientRecords();
      case READ_ACCESS_LOG -> readAccessLog();
      case READ_BATCH_TRAIL -> readBatchTrail();
      case VERIFY_UNIT -> verifyUnit();
      case DISPENSE_UNIT -> dispenseUnit();
      case RECORD_TEMPERATURE -> recordTemperature();
      case SHIPMENT -> shipment();
      case REPORT_DEVICE_USAGE -> reportDeviceUsage();
    };
  }

  private ChainBuilder readPatientRecords() {
    return exec(session -> session.set("patient", LedgerSetUp.pick(ledger.patients())))
        .exec(
            http("read patient records")
                .get(session -> session.getString("patient") + "/records?purpose=treatment")
                .header("Authorization", bearer(tokens.clinician()))
                .check(status().is(200), jsonPath("$.accessRecordedAt").ofLong().saveAs("access")))
        .exec(session -> {
          if (session.contains("access")) {
            acknowledged.auditedRead(session.getString("patient"), session.getLong("access"));
          }
          return session;
        });
  }

  private ChainBuilder readAccessLog() {
    return exec(
        http("read access log")
            .get(session -> LedgerSetUp.pick(ledger.patients()) + "/access-log")
            .header("Authorization", bearer(tokens.clinician()))
            .check(status().is(200)));
  }

  private ChainBuilder readBatchTrail() {
    return exec(
        http("read batch trail")
            .get(session -> LedgerSetUp.pick(ledger.batches()) + "/trail?order=newest&limit=" + settings.trailPageSize())
            .header("Authorization", bearer(tokens.hospital()))
            .check(status().is(200)));
  }

  private ChainBuilder verifyUnit() {
    return exec(
        http("verify unit")
            .get(session -> Payloads.API + "/units/" + Payloads.GTIN + "/" + ledger.anyUnit().serial())
            .header("Authorization", bearer(tokens.pharmacist()))
            .check(status().is(200), jsonPath("$.status").exists()));
  }

  private ChainBuilder dispenseUnit() {
    return exec(session -> {
          LedgerSetUp.Unit unit = ledger.nextUndispensedUnit();
          return unit == null ? session : session.set("entity", unit.batchPath()).set("serial", unit.serial());
        })
        .exec(
            doIfOrElse(session -> session.contains("serial"))
                .then(
                    acknowledgedWrite(
                        http("dispense unit")
                            .post(session -> session.getString("entity") + "/dispensations")
                            .header("Authorization", bearer(tokens.pharmacist()))
                            .body(StringBody(session -> Payloads.dispense(session.getString("serial"), "pp-" + session.userId())))))
                .orElse(verifyUnit()));
  }

  private ChainBuilder recordTemperature() {
    return exec(session -> session.set("entity", LedgerSetUp.pick(ledger.batches()))).exec(temperatureReadingOfEntity());
  }

  /** A carrier's reading on the batch in the session's "entity", from one of ten trucks. */
  private ChainBuilder temperatureReadingOfEntity() {
    return acknowledgedWrite(
        http("record temperature")
            .post(session -> session.getString("entity") + "/temperature-readings")
            .header("Authorization", bearer(tokens.carrier()))
            .body(StringBody(session -> Payloads.temperatureReading("truck-" + session.userId() % 10))));
  }

  /** A new batch's way from the factory to the hospital: four writes on one entity, in order. */
  private ChainBuilder shipment() {
    return exec(session -> {
          String lot = "S" + settings.runId() + "-" + session.userId();
          return session.set("lot", lot).set("entity", Payloads.batchPath(lot)).set("shipment", "SH-" + lot);
        })
        .exec(
            acknowledgedWrite(
                http("register batch")
                    .post(Payloads.API + "/batches")
                    .header("Authorization", bearer(tokens.manufacturer()))
                    .body(StringBody(session -> Payloads.registerBatch(session.getString("lot"), 10, List.of(), settings.productNameChars())))))
        .exec(
            acknowledgedWrite(
                http("ship batch")
                    .post(session -> session.getString("entity") + "/shipments")
                    .header("Authorization", bearer(tokens.manufacturer()))
                    .body(StringBody(session -> Payloads.ship(session.getString("shipment"))))))
        .exec(temperatureReadingOfEntity())
        .exec(
            acknowledgedWrite(
                http("receive batch")
                    .post(session -> session.getString("entity") + "/receipts")
                    .header("Authorization", bearer(tokens.hospital()))
                    .body(StringBody(session -> Payloads.receive(session.getString("shipment"), 10)))));
  }

  private ChainBuilder reportDeviceUsage() {
    return exec(session -> session.set("entity", LedgerSetUp.pick(ledger.devices())))
        .exec(
            acknowledgedWrite(
                http("report device usage")
                    .post(session -> session.getString("entity") + "/usage")
                    .header("Authorization", bearer(tokens.hospital()))
                    .body(StringBody(session -> Payloads.usage()))));
  }

  /**
   * {@code request} (to the entity in the session's "entity") with a fresh Idempotency-Key, retried
   * with the same key while the outcome is unknown (503), and recorded as acknowledged when the
   * node answers with its sequence number. A later step of the same user that fails stops the user
   * (exitHereIfFailed), so a shipment never ships a batch whose registration failed.
   */
  private ChainBuilder acknowledgedWrite(HttpRequestActionBuilder request) {
    return exec(session -> session.set("key", "lt-" + settings.runId() + "-" + keys.incrementAndGet()).remove("seq"))
        .exec(
            tryMax(settings.writeAttempts())
                .on(exec(request.header("Idempotency-Key", session -> session.getString("key"))
                    .check(status().in(200, 201), jsonPath("$.sequenceNumber").ofLong().saveAs("seq")))))
        .exec(session -> {
          if (session.contains("seq")) {
            acknowledged.write(session.getString("entity"), session.getString("key"), session.getLong("seq"));
          }
          return session;
        })
        .exitHereIfFailed();
  }

  /**
   * One user, after the load: reads every touched batch's and device's whole trail (paged), checks
   * the acknowledged writes against it, verifies its chain; for patients, the access log and the chain.
   */
  private ScenarioBuilder correctnessCheck() {
    Function<Session, String> trailPage =
        session -> session.getString("entity") + "/trail?order=oldest&limit=500&from=" + session.getLong("from");
    ChainBuilder trailChecks =
        // Each entity is checked even when an earlier one failed, so that the summary lists all of them.
        exec(session -> session.markAsSucceeded().set("from", 1L).set("events", new ArrayList<AcknowledgedWrites.TrailEvent>()).set("more", true))
            .exec(
                asLongAs(session -> session.getBoolean("more"))
                    .on(
                        exec(session -> session.remove("page"))
                            .exec(http("trail page")
                                .get(trailPage)
                                .header("Authorization", bearer(tokens.auditor()))
                                .check(status().is(200), bodyString().saveAs("page")))
                            .exec(session -> {
                              if (!session.contains("page")) {
                                // A failed page is a failed check already; the writes check below names what is missing.
                                return session.set("more", false);
                              }
                              AcknowledgedWrites.TrailPage page = AcknowledgedWrites.parseTrailPage(session.getString("page"));
                              List<AcknowledgedWrites.TrailEvent> events = session.getList("events");
                              events.addAll(page.events());
                              return page.nextFrom().isPresent()
                                  ? session.set("from", page.nextFrom().getAsLong())
                                  : session.set("more", false);
                            })))
            .exec(
                http("writes in trail exactly once")
                    .get(session -> session.getString("entity") + "/verify")
                    .header("Authorization", bearer(tokens.auditor()))
                    .check(
                        status().is(200),
                        jsonPath("$.status").is("intact"),
                        bodyString()
                            .transformWithSession((body, session) ->
                                noted(
                                    session.getString("entity"),
                                    AcknowledgedWrites.trailProblems(
                                        acknowledged.writesTo(session.getString("entity")), session.getList("events"))))
                            .is("none")));
    ChainBuilder patientChecks =
        exec(session -> session.markAsSucceeded())
            .exec(http("patient chain intact")
                .get(session -> session.getString("entity") + "/verify")
                .header("Authorization", bearer(tokens.auditor()))
                .check(status().is(200), jsonPath("$.status").is("intact")))
            .exec(
                http("audited reads in access log")
                    .get(session -> session.getString("entity") + "/access-log")
                    .header("Authorization", bearer(tokens.auditor()))
                    .check(
                        status().is(200),
                        bodyString()
                            .transformWithSession((body, session) ->
                                noted(session.getString("entity"), acknowledged.accessLogProblems(session.getString("entity"), body)))
                            .is("none")));
    return scenario(CORRECTNESS)
        .exec(session -> session.set("withTrails", acknowledged.entitiesWithTrails()).set("patients", acknowledged.patients()))
        .group(CORRECTNESS)
        .on(
            foreach("#{withTrails}", "entity").on(trailChecks),
            foreach("#{patients}", "entity").on(patientChecks));
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }
}
