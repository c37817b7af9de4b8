package org.medtrace.loadtests.http;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The organisations, ids and request bodies of the load, shared by the set-up and the virtual users
 * (the parties are the README walk-through's). Bodies follow {@code openapi.yaml}.
 */
final class Payloads {

  static final String API = "/api/v1";
  /** One product for every batch: a GTIN-14 with a valid check digit. */
  static final String GTIN = "04006381333931";
  static final String MANUFACTURER = "acme-pharma";
  static final String DEVICE_MAKER = "medidevice-gmbh";
  static final String HOSPITAL = "st-mary";
  static final String CARRIER = "cold-logistics";
  /** Readings are drawn inside the batches' default 2-8 °C range, so the load never quarantines a batch. */
  static final double COLDEST = 3.0;
  static final double WARMEST = 7.0;

  private static final String SHA256 = "5a".repeat(32);

  private Payloads() {}

  static String batchPath(String lot) {
    return API + "/batches/" + GTIN + "/" + lot;
  }

  static String devicePath(String serialNumber) {
    return API + "/devices/" + DEVICE_MAKER + "%2F" + serialNumber;
  }

  static String patientPath(String patientKey) {
    return API + "/patients/" + patientKey;
  }

  static String registerBatch(String lot, int quantity, List<String> unitSerials, int productNameChars) {
    String productName = ("Vaccine " + lot + " ").repeat(productNameChars / (lot.length() + 9) + 1).substring(0, productNameChars);
    return """
        {"gtin":"%s","lot":"%s","productName":"%s","expiryDate":"%s","quantity":%d,"qcReportSha256":"%s","unitSerials":[%s]}"""
        .formatted(
            GTIN, lot, productName.strip(), LocalDate.now().plusYears(3), quantity, SHA256,
            unitSerials.stream().map(s -> '"' + s + '"').collect(Collectors.joining(",")));
  }

  static String ship(String shipmentId) {
    return """
        {"shipmentId":"%s","fromOrganisation":"%s","toOrganisation":"%s","carrier":"%s"}"""
        .formatted(shipmentId, MANUFACTURER, HOSPITAL, CARRIER);
  }

  static String receive(String shipmentId, int quantity) {
    return """
        {"shipmentId":"%s","quantity":%d}""".formatted(shipmentId, quantity);
  }

  static String temperatureReading(String sensorId) {
    double celsius = Math.round(ThreadLocalRandom.current().nextDouble(COLDEST, WARMEST) * 10) / 10.0;
    return """
        {"sensorId":"%s","measuredAt":"%s","celsius":%s}""".formatted(sensorId, Instant.now(), celsius);
  }

  static String dispense(String unitSerial, String patientPseudonym) {
    return """
        {"quantity":1,"unitSerials":["%s"],"patientPseudonym":"%s"}""".formatted(unitSerial, patientPseudonym);
  }

  static String registerDevice(String serialNumber) {
    return """
        {"model":"InfusionPump-X2","serialNumber":"%s","factoryTestReportSha256":"%s"}""".formatted(serialNumber, SHA256);
  }

  static String install() {
    return """
        {"facility":"%s","department":"icu","responsiblePerson":"dr-house"}""".formatted(HOSPITAL);
  }

  static String usage() {
    // A few hours per report: a device crosses its 1000-hour maintenance interval only in a long run.
    return """
        {"hours":%s}""".formatted(Math.round(ThreadLocalRandom.current().nextDouble(0.5, 8.0) * 10) / 10.0);
  }

  static String anchorRecord(String recordId) {
    return """
        {"recordId":"%s","category":"lab-result","contentSha256":"%s","locationUri":"https://ehr.st-mary.example/records/%s",\
        "sourceSystem":"st-mary-ehr","author":"dr-house"}""".formatted(recordId, SHA256, recordId);
  }

  static String consentToClinicians(String consentId) {
    return """
        {"consentId":"%s","granteeOrganisation":"%s","granteeRole":"clinician","categories":["*"],"purpose":"treatment",\
        "expiresAt":"%s"}""".formatted(consentId, HOSPITAL, Instant.now().plusSeconds(365L * 24 * 3600));
  }
}
