package org.medtrace.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.http.BatchRoutesTest.assertField;
import static org.medtrace.http.BatchRoutesTest.assertProblem;
import static org.medtrace.http.JsonBodies.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.ledger.Role;
import org.medtrace.persistence.cassandra.RealCassandra;

/** Medical device routes against a node on the real Cassandra: the lifecycle and its errors. */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceRoutesTest {

  private static final String REPORT = "cd".repeat(32);
  private static final AtomicInteger SERIALS = new AtomicInteger();

  private ApiTestNode node;
  private ApiClient api;
  private String maker;
  private String hospital;
  private String clinician;
  private String engineer;
  private String regulator;

  @BeforeAll
  void start() {
    node = ApiTestNode.start("http_devices");
    api = node.client();
    maker = node.tokens().token(Role.MANUFACTURER, "medidevice-gmbh", "factory-1");
    hospital = node.tokens().token(Role.HOSPITAL, "st-mary", "biomed");
    clinician = node.tokens().token(Role.CLINICIAN, "st-mary", "dr-house");
    engineer = node.tokens().token(Role.DEVICE_ENGINEER, "st-mary", "eng-7");
    regulator = node.tokens().token(Role.REGULATOR, "health-authority", "inspector-1");
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private String serial() {
    return "SN-" + SERIALS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100000, 36);
  }

  /** Registers a device without a UDI; returns its path (id {@code medidevice-gmbh/<serial>}, encoded). */
  private String registered() {
    ApiClient.Reply reply =
        api.post("/api/v1/devices", maker, json("model", "InfusionPump-X2", "serialNumber", serial(), "factoryTestReportSha256", REPORT));
    assertEquals(201, reply.status(), reply.toString());
    return reply.header("Location").orElseThrow();
  }

  @Test
  void walksADeviceThroughItsLifecycle() {
    String serial = serial();
    String udi = "(01)00643169007222(21)" + serial;
    ApiClient.Reply registered =
        api.post("/api/v1/devices", maker, json("deviceId", udi, "model", "InfusionPump-X2", "serialNumber", serial, "factoryTestReportSha256", REPORT));
    assertEquals(201, registered.status(), registered.toString());
    String device = "/api/v1/devices/" + PathSegments.encode(udi);
    assertEquals(device, registered.header("Location").orElseThrow());

    assertEquals(200, api.post(device + "/installation", hospital, json("facility", "st-mary", "department", "icu", "responsiblePerson", "dr-house")).status());
    assertEquals(200, api.post(device + "/usage", clinician, json("hours", 1200.0)).status());
    JsonNode overdue = api.get(device, regulator).json();
    assertEquals("INSTALLED", overdue.path("status").asText());
    assertTrue(overdue.path("maintenanceOverdue").asBoolean(), overdue.toString());
    assertEquals(udi, overdue.path("deviceId").asText());

    assertEquals(200, api.post(device + "/faults", clinician, json("code", "E42", "description", "occlusion alarm")).status());
    assertEquals(200, api.post(device + "/maintenance", engineer, json("parts", List.of("valve"), "result", "passed", "notes", "")).status());
    JsonNode maintained = api.get(device, hospital).json();
    assertEquals(0.0, maintained.path("hoursSinceMaintenance").asDouble());
    assertEquals("eng-7", maintained.path("lastMaintenance").path("engineer").asText());

    assertEquals(200, api.post(device + "/decommissioning", regulator, json("reason", "end of life", "disposalMethod", "recycling")).status());
    ApiClient.Reply useAfter = api.post(device + "/usage", clinician, json("hours", 2.0));
    assertProblem(useAfter, 422, "refused-and-recorded");
    ApiClient.Reply again = api.post(device + "/decommissioning", regulator, json("reason", "again", "disposalMethod", "recycling"));
    assertProblem(again, 409, "illegal-state");
    assertTrue(again.json().path("currentState").asText().startsWith("DECOMMISSIONED"), again.toString());

    JsonNode trail = api.get(device + "/trail?order=oldest", engineer).json();
    List<String> types = new ArrayList<>();
    trail.path("events").forEach(event -> types.add(event.path("eventType").asText()));
    assertEquals(
        List.of(
            "DeviceRegistered", "DeviceInstalled", "UsageReported", "MaintenanceOverdue", "FaultReported",
            "MaintenancePerformed", "DeviceDecommissioned", "DecommissionedDeviceUseAttempted"),
        types);
    assertEquals(useAfter.json().path("evidenceRecordedAt").asLong(), trail.path("headSequenceNumber").asLong());

    JsonNode verification = api.get(device + "/verify", regulator).json();
    assertEquals("intact", verification.path("status").asText());
    assertEquals(8, verification.path("length").asLong());
  }

  @Test
  void aDeviceWithoutUdiIsNamedByOrganisationAndSerial() {
    String device = registered();
    assertTrue(device.startsWith("/api/v1/devices/medidevice-gmbh%2FSN-"), device);
    JsonNode state = api.get(device, hospital).json();
    assertEquals("REGISTERED", state.path("status").asText(), state.toString());
    assertEquals("medidevice-gmbh", state.path("manufacturer").asText());
  }

  @Test
  void badRequestsGetSpecificProblemsAndChangeNothing() {
    String device = registered();
    ApiClient.Reply early = api.post(device + "/usage", clinician, json("hours", 3.0));
    assertProblem(early, 409, "illegal-state");
    assertEquals("REGISTERED", early.json().path("currentState").asText());
    assertField(api.post(device + "/maintenance", engineer, json("result", "maybe")), "result");
    assertField(api.post(device + "/usage", hospital, json()), "hours");
    assertProblem(api.post(device + "/usage", hospital, json("hours", -1.0)), 400, "invalid-field");
    assertProblem(api.post(device + "/maintenance", engineer, json("result", "failed")), 400, "invalid-field");
    assertProblem(api.post(device + "/installation", node.tokens().token(Role.MANUFACTURER, "medidevice-gmbh", "x"), json()), 403, "role-not-allowed");
    assertField(api.get("/api/v1/devices/bad%20id", hospital), "deviceId");
    assertProblem(api.get("/api/v1/devices/never-registered", hospital), 404, "not-found");
    assertProblem(api.get("/api/v1/devices/never-registered/trail", hospital), 404, "not-found");
    assertProblem(api.get("/api/v1/devices/never-registered/verify", hospital), 404, "not-found");
    assertProblem(api.post("/api/v1/devices/never-registered/faults", hospital, json("code", "E1")), 404, "not-found");
    assertEquals(1, api.get(device, hospital).json().path("sequenceNumber").asLong(), "no error stored anything");
  }
}
