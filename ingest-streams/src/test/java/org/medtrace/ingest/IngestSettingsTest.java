package org.medtrace.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.Role;
import org.medtrace.identity.TrustLocation;
import org.medtrace.ingest.epcis.BizStep;
import org.medtrace.ingest.epcis.EpcisSettings;
import org.medtrace.ingest.signing.SignedRecordSettings;

class IngestSettingsTest {

  @Test
  void theShippedDefaultsParseAndSayWhatReferenceConfSays() {
    IngestSettings settings = IngestSettings.from(ConfigFactory.load());
    assertEquals("medtrace.lab-results", settings.labResults().topic());
    assertEquals("medtrace.sensor-readings", settings.sensorReadings().topic());
    assertEquals("medtrace.epcis-events", settings.epcisEvents().topic());
    assertEquals(".dlq", settings.deadLetterSuffix());
    assertEquals(Duration.ofSeconds(10), settings.askTimeout());
    assertEquals(32, settings.parallelism());
    assertTrue(settings.lab().usesDevelopmentKey(), "the development key is marked as such");
    assertEquals("MR", settings.lab().identifierType());
    assertEquals(Role.MANUFACTURER, settings.epcis().roleFor(BizStep.COMMISSIONING));
    assertEquals(
        java.util.List.of(
            "medtrace.lab-results", "medtrace.lab-results.dlq",
            "medtrace.sensor-readings", "medtrace.sensor-readings.dlq",
            "medtrace.epcis-events", "medtrace.epcis-events.dlq"),
        settings.topics());
    assertEquals("127.0.0.1:9092", settings.bootstrapServers(), "medtrace.kafka's brokers");
  }

  @Test
  void theDefaultRolesAreOnesTheEntitiesAllow() {
    IngestSettings settings = IngestSettings.from(ConfigFactory.load());
    EpcisSettings epcis = settings.epcis();
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.Register.class).allows(epcis.roleFor(BizStep.COMMISSIONING)));
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.Ship.class).allows(epcis.roleFor(BizStep.SHIPPING)));
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.Receive.class).allows(epcis.roleFor(BizStep.RECEIVING)));
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.Dispense.class).allows(epcis.roleFor(BizStep.DISPENSING)));
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.Destroy.class).allows(epcis.roleFor(BizStep.DESTROYING)));
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.RecordTemperature.class).allows(epcis.temperatureRole()));
    assertTrue(DrugBatch.PERMISSIONS.get(DrugBatch.RecordTemperature.class).allows(settings.sensors().batchRole()));
    assertTrue(MedicalDevice.PERMISSIONS.get(MedicalDevice.ReportUsage.class).allows(settings.sensors().deviceRole()));
    assertTrue(MedicalDevice.PERMISSIONS.get(MedicalDevice.ReportFault.class).allows(settings.sensors().deviceRole()));
  }

  @Test
  void overridesAndMistakesAreReadOrNamed() {
    IngestSettings settings =
        IngestSettings.from(
            ConfigFactory.parseString(
                    """
                    medtrace.ingest.epcis-events.organisations-by-gln { "0614141073467" = "acme-pharma" }
                    medtrace.ingest.epcis-events.roles.destroying = "regulator"
                    medtrace.ingest.lab-results.pseudonym-key = "a-production-secret-of-enough-length"
                    """)
                .withFallback(ConfigFactory.load()));
    assertEquals("acme-pharma", settings.epcis().organisationsByGln().get("0614141073467"));
    assertEquals(Role.REGULATOR, settings.epcis().roleFor(BizStep.DESTROYING));
    assertEquals(Role.PHARMACIST, settings.epcis().roleFor(BizStep.DISPENSING), "unlisted steps keep their default");
    assertTrue(!settings.lab().usesDevelopmentKey());
    IllegalArgumentException badRole =
        assertThrows(
            IllegalArgumentException.class,
            () -> IngestSettings.from(ConfigFactory.parseString("medtrace.ingest.sensor-readings.batch-role = courier").withFallback(ConfigFactory.load())));
    assertTrue(badRole.getMessage().contains("courier"), badRole.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> IngestSettings.from(ConfigFactory.parseString("medtrace.ingest.epcis-events.organisations-by-gln { \"12\" = x }").withFallback(ConfigFactory.load())));
    assertThrows(
        IllegalArgumentException.class,
        () -> IngestSettings.from(ConfigFactory.parseString("medtrace.ingest.lab-results.pseudonym-key = short").withFallback(ConfigFactory.load())));
  }

  @Test
  void signedRecordsAreOptionalByDefaultAndRequiringThemNeedsATrustDirectory() {
    SignedRecordSettings defaults = IngestSettings.from(ConfigFactory.load()).signedRecords();
    assertTrue(defaults.trustDirectory().isEmpty());
    assertTrue(defaults.required().isEmpty(), "unsigned records are ingested as before");
    assertEquals(Duration.ofDays(7), defaults.maxAge());
    assertEquals(Duration.ofMinutes(5), defaults.maxClockSkew());

    SignedRecordSettings strict = IngestSettings.from(ConfigFactory.parseString(
            "medtrace.ingest.signed-records { trust-dir = \"/etc/medtrace/ca\", required-for-roles = [laboratory] }")
        .withFallback(ConfigFactory.load())).signedRecords();
    assertEquals(java.util.Set.of(Role.LABORATORY), strict.required().roles());
    assertEquals(Optional.of(TrustLocation.of(Path.of("/etc/medtrace/ca"))), strict.trustDirectory(), "certificates in the trust directory's certs/");
    SignedRecordSettings certificatesApart = IngestSettings.from(ConfigFactory.parseString(
            "medtrace.ingest.signed-records { trust-dir = \"/etc/medtrace/trust\", trust-certs-dir = \"/etc/medtrace/trust-certs\" }")
        .withFallback(ConfigFactory.load())).signedRecords();
    assertEquals(
        Optional.of(new TrustLocation(Path.of("/etc/medtrace/trust"), Path.of("/etc/medtrace/trust-certs"))), certificatesApart.trustDirectory());
    IllegalArgumentException noTrust = assertThrows(IllegalArgumentException.class, () -> IngestSettings.from(
        ConfigFactory.parseString("medtrace.ingest.signed-records.required-for-organisations = [CITYLAB]").withFallback(ConfigFactory.load())));
    assertTrue(noTrust.getMessage().contains("trust-dir"), noTrust.getMessage());
    IllegalArgumentException badRole = assertThrows(IllegalArgumentException.class, () -> IngestSettings.from(ConfigFactory.parseString(
            "medtrace.ingest.signed-records { trust-dir = \"/etc/medtrace/ca\", required-for-roles = [courier] }")
        .withFallback(ConfigFactory.load())));
    assertTrue(badRole.getMessage().contains("courier"), badRole.getMessage());
  }
}
