package org.medtrace.loadtests.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Brings the ledger into the state the load needs, through the API with real tokens, before the
 * measured part: batches registered with unit serials, shipped and received at st-mary (so its
 * pharmacists can dispense them); devices registered and installed at st-mary; patients with
 * records anchored by st-mary and consent granted to its clinicians. Every write it makes is
 * recorded as acknowledged, so the final check covers it too. Then it hands out what the virtual
 * users act on.
 */
final class LedgerSetUp {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A unit a pharmacist may dispense, of the batch at {@code batchPath}. */
  record Unit(String batchPath, String serial) {}

  private final HttpLoadSettings settings;
  private final Tokens tokens;
  private final AcknowledgedWrites acknowledged;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final AtomicLong keys = new AtomicLong();

  private final List<String> batches = new ArrayList<>();
  private final List<Unit> units = new ArrayList<>();
  private final ConcurrentLinkedQueue<Unit> undispensed = new ConcurrentLinkedQueue<>();
  private final List<String> devices = new ArrayList<>();
  private final List<String> patients = new ArrayList<>();

  LedgerSetUp(HttpLoadSettings settings, Tokens tokens, AcknowledgedWrites acknowledged) {
    this.settings = settings;
    this.tokens = tokens;
    this.acknowledged = acknowledged;
  }

  /** Runs the set-up; fails with the node's answer when a write is refused. */
  void run() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(settings.setUpConcurrency());
    try {
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < settings.batches(); i++) {
        int index = i;
        work.add(pool.submit(() -> { setUpBatch(index); return null; }));
      }
      for (int i = 0; i < settings.devices(); i++) {
        int index = i;
        work.add(pool.submit(() -> { setUpDevice(index); return null; }));
      }
      for (int i = 0; i < settings.patients(); i++) {
        int index = i;
        work.add(pool.submit(() -> { setUpPatient(index); return null; }));
      }
      for (Future<?> future : work) {
        future.get();
      }
    } finally {
      pool.shutdownNow();
    }
    batches.sort(null);
    devices.sort(null);
    patients.sort(null);
    units.sort((a, b) -> (a.batchPath() + a.serial()).compareTo(b.batchPath() + b.serial()));
    undispensed.addAll(units);
  }

  private void setUpBatch(int index) throws Exception {
    String lot = "L" + settings.runId() + "-" + index;
    String path = Payloads.batchPath(lot);
    List<String> serials =
        IntStream.range(0, settings.unitsPerBatch()).mapToObj(u -> "U" + settings.runId() + "-" + index + "-" + u).toList();
    String shipment = "SH-" + lot;
    write(path, Payloads.API + "/batches", tokens.manufacturer(),
        Payloads.registerBatch(lot, serials.size(), serials, settings.productNameChars()));
    write(path, path + "/shipments", tokens.manufacturer(), Payloads.ship(shipment));
    write(path, path + "/receipts", tokens.hospital(), Payloads.receive(shipment, serials.size()));
    synchronized (this) {
      batches.add(path);
      serials.forEach(serial -> units.add(new Unit(path, serial)));
    }
  }

  private void setUpDevice(int index) throws Exception {
    String serial = "SN-" + settings.runId() + "-" + index;
    String path = Payloads.devicePath(serial);
    write(path, Payloads.API + "/devices", tokens.deviceMaker(), Payloads.registerDevice(serial));
    write(path, path + "/installation", tokens.engineer(), Payloads.install());
    synchronized (this) {
      devices.add(path);
    }
  }

  private void setUpPatient(int index) throws Exception {
    String key = "lt-" + settings.runId() + "-p" + index;
    String path = Payloads.patientPath(key);
    for (int r = 0; r < settings.recordsPerPatient(); r++) {
      write(path, path + "/records", tokens.clinician(), Payloads.anchorRecord("rec-" + settings.runId() + "-" + index + "-" + r));
    }
    write(path, path + "/consents", tokens.patient(key), Payloads.consentToClinicians("consent-" + settings.runId() + "-" + index));
    synchronized (this) {
      patients.add(path);
    }
  }

  /** POSTs {@code body} with a fresh Idempotency-Key, retrying an unknown outcome (503) with the same key. */
  private void write(String entityPath, String path, String token, String body) throws IOException, InterruptedException {
    String idempotencyKey = "lt-" + settings.runId() + "-setup-" + keys.incrementAndGet();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(settings.baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = null;
    for (int attempt = 1; attempt <= settings.writeAttempts(); attempt++) {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 503) {
        break;
      }
    }
    if (response.statusCode() != 200 && response.statusCode() != 201) {
      throw new IllegalStateException(
          "set-up: POST " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    JsonNode result = JSON.readTree(response.body());
    acknowledged.write(entityPath, idempotencyKey, result.path("sequenceNumber").asLong());
  }

  List<String> batches() {
    return batches;
  }

  List<String> devices() {
    return devices;
  }

  List<String> patients() {
    return patients;
  }

  /** Any unit of the set-up batches, dispensed or not (pharmacists check both). */
  Unit anyUnit() {
    return units.get(ThreadLocalRandom.current().nextInt(units.size()));
  }

  /** A unit nobody has dispensed or taken for dispensing yet, or null when all are gone. */
  Unit nextUndispensedUnit() {
    return undispensed.poll();
  }

  static String pick(List<String> from) {
    return from.get(ThreadLocalRandom.current().nextInt(from.size()));
  }
}
