package org.medtrace.cluster.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.http.auth.DevTokenIssuer;

/**
 * Sends commands continuously over the HTTP API to many entities of all three types, as a client
 * behind a load balancer would: each request goes to the next node in turn (a node whose API
 * refused a connection is left out until its readiness check answers again), every command carries
 * its own {@code Idempotency-Key}, and a command whose outcome is unknown (503, timeout, refused
 * connection) is sent again with the same key until it is acknowledged. Every acknowledgment
 * (entity, key, sequence number) and every failed request (by kind) is recorded.
 *
 * <p>Each worker thread owns some entities and has one command in flight at a time, so an entity's
 * commands are sent one after another. With a command interval, a worker starts a new command at
 * most once per interval (retries of a command whose outcome is unknown are not held back by it);
 * with none, it sends the next command as soon as the last one is answered.
 */
final class LoadClient implements AutoCloseable {

  enum FailureKind {
    /** 503 with Retry-After: the outcome is unknown, a retry with the same key is safe. */
    UNAVAILABLE_503,
    /** No answer within the client's timeout. */
    TIMEOUT,
    /** The node's API port refused the connection (the node is down). */
    CONNECTION_REFUSED,
    /** Anything else: a refused command, a 500, a broken connection. Never expected. */
    OTHER
  }

  /** An entity the client writes to: its journal's persistence id parts. */
  record Entity(String type, String id) {
    String key() {
      return type + "|" + id;
    }
  }

  /** A command the ledger acknowledged: stored at {@code sequenceNumber} under {@code idempotencyKey}. */
  record Acknowledgment(Entity entity, String idempotencyKey, long sequenceNumber, long atNanos) {}

  /** A request that failed. */
  record Failure(FailureKind kind, String node, String detail, long atNanos, long tookNanos) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHA = "5a".repeat(32);
  /** The GTIN of the README's batch (its check digit is right); the ledger keeps it as a GTIN-14. */
  private static final String GTIN = "4006381333931";
  private static final String GTIN_14 = "0" + GTIN;
  /** Longer than the API's ask timeout (15 s), so a slow entity answers 503 before the client gives up. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  private static final String DEVICE_MAKER_ORG = "medidevice-gmbh";

  private final List<LocalClusterLayout.Node> nodes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<Role, String> tokens = new EnumMap<>(Role.class);
  private final String runId;
  private final int workerCount;
  private final int entitiesPerType;
  private final Duration commandInterval;

  private final AtomicInteger nextNode = new AtomicInteger();
  private final Map<String, Boolean> nodeOut = new ConcurrentHashMap<>();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final List<Thread> workers = new ArrayList<>();
  private final List<Entity> entities = Collections.synchronizedList(new ArrayList<>());
  private final ConcurrentLinkedQueue<Acknowledgment> acknowledgments = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
  private final AtomicLong requestsSent = new AtomicLong();
  private final AtomicLong commandsGivenUp = new AtomicLong();
  private volatile long drainDeadlineNanos = Long.MAX_VALUE;

  /**
   * @param runId makes this client's entity ids unique (a scenario of one test run)
   * @param commandInterval the least time between the starts of two commands of one worker; zero
   *     for as fast as the cluster answers
   */
  LoadClient(
      List<LocalClusterLayout.Node> nodes,
      DevTokenIssuer issuer,
      String runId,
      int workerCount,
      int entitiesPerType,
      Duration commandInterval) {
    this.nodes = List.copyOf(nodes);
    this.runId = runId;
    this.workerCount = workerCount;
    this.entitiesPerType = entitiesPerType;
    this.commandInterval = commandInterval;
    Duration lifetime = Duration.ofHours(2);
    tokens.put(Role.MANUFACTURER, issuer.mint(Role.MANUFACTURER, "acme-pharma", "fault-test", lifetime));
    tokens.put(Role.DEVICE_ENGINEER, issuer.mint(Role.DEVICE_ENGINEER, "st-mary", "fault-test", lifetime));
    tokens.put(Role.CLINICIAN, issuer.mint(Role.CLINICIAN, "st-mary", "fault-test", lifetime));
    deviceMakerToken = issuer.mint(Role.MANUFACTURER, DEVICE_MAKER_ORG, "fault-test", lifetime);
  }

  private final String deviceMakerToken;

  /** Starts the workers; each owns every {@code workerCount}-th entity of the mix. */
  void start() {
    List<EntityScript> scripts = new ArrayList<>();
    for (int i = 0; i < entitiesPerType; i++) {
      scripts.add(new BatchScript("F" + runId + "-" + i));
      scripts.add(new DeviceScript("SN-" + runId + "-" + i));
      scripts.add(new PatientScript("pk-" + runId.toLowerCase() + "-" + i));
    }
    scripts.forEach(script -> entities.add(script.entity()));
    for (int w = 0; w < workerCount; w++) {
      List<EntityScript> own = new ArrayList<>();
      for (int i = w; i < scripts.size(); i += workerCount) {
        own.add(scripts.get(i));
      }
      // Spread over the interval, so the workers' commands do not arrive in bursts.
      long firstAt = System.nanoTime() + commandInterval.toNanos() * w / workerCount;
      Thread worker = new Thread(() -> run(own, firstAt), "load-" + runId + "-" + w);
      worker.setDaemon(true);
      workers.add(worker);
      worker.start();
    }
  }

  /**
   * Stops sending new commands; a command in flight is retried (same key) until it is acknowledged
   * or {@code drain} passes. Returns once every worker has stopped.
   */
  void stop(Duration drain) throws InterruptedException {
    drainDeadlineNanos = System.nanoTime() + drain.toNanos();
    stopping.set(true);
    for (Thread worker : workers) {
      worker.join();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop(Duration.ZERO);
  }

  List<Entity> entities() {
    return List.copyOf(entities);
  }

  List<Acknowledgment> acknowledgments() {
    return List.copyOf(acknowledgments);
  }

  List<Failure> failures() {
    return List.copyOf(failures);
  }

  long requestsSent() {
    return requestsSent.get();
  }

  /** Commands never acknowledged: still failing when the drain time ran out, or refused ({@link FailureKind#OTHER}). */
  long commandsGivenUp() {
    return commandsGivenUp.get();
  }

  long acknowledgedSince(long nanos) {
    return acknowledgments.stream().filter(ack -> ack.atNanos() >= nanos).count();
  }

  // ---- workers ----------------------------------------------------------------------------------

  private void run(List<EntityScript> own, long firstAt) {
    int next = 0;
    long nextAt = firstAt;
    while (!stopping.get()) {
      long now = System.nanoTime();
      if (nextAt - now > 0) {
        sleep(Duration.ofNanos(nextAt - now));
        if (stopping.get()) {
          return;
        }
      } else {
        // A worker that fell behind (a command retried through an outage) does not catch up in a burst.
        nextAt = now;
      }
      nextAt += commandInterval.toNanos();
      EntityScript script = own.get(next++ % own.size());
      Command command = script.nextCommand();
      if (send(command, script.entity())) {
        script.advance();
      }
    }
  }

  /** Sends a command until it is acknowledged (true), refused, or the drain time is over (false). */
  private boolean send(Command command, Entity entity) {
    while (true) {
      if (stopping.get() && System.nanoTime() - drainDeadlineNanos > 0) {
        commandsGivenUp.incrementAndGet();
        return false;
      }
      LocalClusterLayout.Node node = pickNode();
      long startedAt = System.nanoTime();
      Duration backoff = Duration.ofMillis(200);
      try {
        requestsSent.incrementAndGet();
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(node.apiUrl() + command.path()))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", "Bearer " + command.token())
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", command.idempotencyKey())
                    .POST(HttpRequest.BodyPublishers.ofString(command.body()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        if (status == 200 || status == 201) {
          JsonNode body = JSON.readTree(response.body());
          if (!entity.id().equals(body.path("entityId").asText())) {
            // The audit reads the journal of the entity the client meant: a different one is a harness bug.
            failures.add(new Failure(FailureKind.OTHER, node.name(), "acknowledged for entity " + body.path("entityId").asText()
                + ", not " + entity.id(), startedAt, System.nanoTime() - startedAt));
          }
          acknowledgments.add(
              new Acknowledgment(entity, command.idempotencyKey(), body.path("sequenceNumber").asLong(-1), System.nanoTime()));
          return true;
        }
        if (status == 503) {
          failures.add(new Failure(FailureKind.UNAVAILABLE_503, node.name(), retryAfter(response), startedAt, System.nanoTime() - startedAt));
          // A real client waits as long as the server asks, then tries again (another node).
          backoff = Duration.ofSeconds(response.headers().firstValueAsLong("Retry-After").orElse(1));
        } else {
          failures.add(new Failure(FailureKind.OTHER, node.name(), status + " " + abbreviated(response.body()), startedAt, System.nanoTime() - startedAt));
          commandsGivenUp.incrementAndGet();
          return false;
        }
      } catch (HttpTimeoutException e) {
        failures.add(new Failure(FailureKind.TIMEOUT, node.name(), e.toString(), startedAt, System.nanoTime() - startedAt));
      } catch (ConnectException e) {
        failures.add(new Failure(FailureKind.CONNECTION_REFUSED, node.name(), e.toString(), startedAt, System.nanoTime() - startedAt));
        markOut(node);
      } catch (IOException e) {
        // The connection broke with the request in flight (e.g. the node died): outcome unknown.
        failures.add(new Failure(FailureKind.CONNECTION_REFUSED, node.name(), e.toString(), startedAt, System.nanoTime() - startedAt));
        markOut(node);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      sleep(backoff);
    }
  }

  private static String retryAfter(HttpResponse<String> response) {
    return "Retry-After " + response.headers().firstValue("Retry-After").orElse("(none)");
  }

  private static String abbreviated(String body) {
    return body.length() > 300 ? body.substring(0, 300) + "..." : body;
  }

  /** The next node in turn, skipping those whose API refused a connection until they are ready again. */
  private LocalClusterLayout.Node pickNode() {
    for (int attempt = 0; attempt < nodes.size(); attempt++) {
      LocalClusterLayout.Node node = nodes.get(Math.floorMod(nextNode.getAndIncrement(), nodes.size()));
      if (!nodeOut.getOrDefault(node.name(), false)) {
        return node;
      }
    }
    return nodes.get(Math.floorMod(nextNode.getAndIncrement(), nodes.size()));
  }

  /** Like a load balancer's health check: out until the node's readiness check answers 200. */
  private void markOut(LocalClusterLayout.Node node) {
    if (nodeOut.putIfAbsent(node.name(), true) == null) {
      Thread probe = new Thread(() -> {
        while (!stopping.get() || System.nanoTime() - drainDeadlineNanos < 0) {
          if (NodeProcess.readyStatus(node.managementUrl()) == 200) {
            nodeOut.remove(node.name());
            return;
          }
          sleep(Duration.ofSeconds(1));
        }
      }, "probe-" + node.name());
      probe.setDaemon(true);
      probe.start();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- what is sent -----------------------------------------------------------------------------

  private record Command(String path, String token, String idempotencyKey, String body) {}

  /** One entity's commands: the first creates it, the others are repeated forever. */
  private abstract class EntityScript {
    private final AtomicLong step = new AtomicLong();
    private final Entity entity;

    EntityScript(Entity entity) {
      this.entity = entity;
    }

    Entity entity() {
      return entity;
    }

    /** The command for step {@code step} (0 creates the entity). */
    abstract Command command(long step, String idempotencyKey);

    Command nextCommand() {
      return command(step.get(), runId + "-" + entity().id().replace('/', '_') + "-" + step.get());
    }

    void advance() {
      step.incrementAndGet();
    }
  }

  private final class BatchScript extends EntityScript {
    private final String lot;

    BatchScript(String lot) {
      super(new Entity(DrugBatch.ENTITY_TYPE, GTIN_14 + "/" + lot));
      this.lot = lot;
    }

    @Override
    Command command(long step, String key) {
      String token = tokens.get(Role.MANUFACTURER);
      if (step == 0) {
        return new Command("/batches", token, key,
            """
            {"gtin":"%s","lot":"%s","productName":"Vaccine X","expiryDate":"2030-12-31","quantity":10,
             "qcReportSha256":"%s","unitSerials":[]}"""
                .formatted(GTIN, lot, SHA));
      }
      // Within the batch's 2-8 °C range: every reading is one event, none quarantines the batch.
      return new Command("/batches/" + GTIN + "/" + lot + "/temperature-readings", token, key,
          """
          {"sensorId":"fridge-%s","measuredAt":"%s","celsius":5.0}""".formatted(lot, Instant.now()));
    }
  }

  private final class DeviceScript extends EntityScript {
    private final String serial;

    DeviceScript(String serial) {
      super(new Entity(MedicalDevice.ENTITY_TYPE, DEVICE_MAKER_ORG + "/" + serial));
      this.serial = serial;
    }

    @Override
    Command command(long step, String key) {
      String path = "/devices/" + DEVICE_MAKER_ORG + "%2F" + serial;
      if (step == 0) {
        return new Command("/devices", deviceMakerToken, key,
            """
            {"model":"InfusionPump-X2","serialNumber":"%s","factoryTestReportSha256":"%s"}""".formatted(serial, SHA));
      }
      if (step == 1) {
        return new Command(path + "/installation", tokens.get(Role.DEVICE_ENGINEER), key,
            """
            {"facility":"st-mary","department":"icu","responsiblePerson":"dr-house"}""");
      }
      // A tenth of an hour a report: far below the maintenance interval, so every report is one event.
      return new Command(path + "/usage", tokens.get(Role.DEVICE_ENGINEER), key, "{\"hours\":0.1}");
    }
  }

  private final class PatientScript extends EntityScript {
    private final String patientKey;

    PatientScript(String patientKey) {
      super(new Entity(PatientRecord.ENTITY_TYPE, patientKey));
      this.patientKey = patientKey;
    }

    @Override
    Command command(long step, String key) {
      return new Command("/patients/" + patientKey + "/records", tokens.get(Role.CLINICIAN), key,
          """
          {"recordId":"rec-%d","category":"lab-result","contentSha256":"%s",
           "locationUri":"https://ehr.st-mary.example/records/%s/%d","sourceSystem":"st-mary-ehr","author":"dr-house"}"""
              .formatted(step, SHA, patientKey, step));
    }
  }
}
