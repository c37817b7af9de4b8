package org.medtrace.ingest.epcis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.Samples;

/** The test network's GLNs and gateway, and the samples with a batch lot of the test's choosing. */
public final class EpcisSamples {

  public static final String GTIN = "10614141073464";
  public static final String SAMPLE_LOT = "L2026-11";
  public static final ActingParty GATEWAY = new ActingParty("cold-logistics", "epcis-gateway", Role.LOGISTICS);

  public static final EpcisSettings SETTINGS =
      new EpcisSettings(
          Map.of(
              "0614141073467", "acme-pharma", // sgln 0614141.07346.*: the factory
              "0614141000012", "acme-pharma", // pgln 0614141.00001
              "0012345111112", "st-mary", // sgln 0012345.11111.*: the hospital's pharmacy
              "0012345000010", "st-mary", // pgln 0012345.00001
              "4012345000054", "cold-logistics"), // sgln 4012345.00005.0: the carrier's depot
          Map.of(),
          Role.LOGISTICS);

  private EpcisSamples() {}

  /** The sample with its lot replaced by {@code lot}, so that each test has batches of its own. */
  public static byte[] withLot(String sample, String lot) {
    String text = new String(Samples.bytes("epcis/" + sample), StandardCharsets.UTF_8);
    // Serials are unique per GTIN across lots (the unit index), so each lot gets serials of its own.
    for (String serial : List.of("2017", "2018", "2019")) {
      text = text.replace(serial, unitSerial(lot, serial));
    }
    return text.replace(SAMPLE_LOT, lot).replace("urn:uuid:7c3a2f10-1c2e-4a55-9a0e-", "urn:uuid:" + lot + "-").getBytes(StandardCharsets.UTF_8);
  }

  /** The sample with its lot replaced by {@code lot} and its unit serials as published. */
  public static byte[] withLotKeepingSerials(String sample, String lot) {
    String text = new String(Samples.bytes("epcis/" + sample), StandardCharsets.UTF_8);
    return text.replace(SAMPLE_LOT, lot).replace("urn:uuid:7c3a2f10-1c2e-4a55-9a0e-", "urn:uuid:" + lot + "-").getBytes(StandardCharsets.UTF_8);
  }

  /** The serial that {@link #withLot} gives the sample's unit {@code sampleSerial} in {@code lot}. */
  public static String unitSerial(String lot, String sampleSerial) {
    return lot + "-" + sampleSerial;
  }

  public static String batchId(String lot) {
    return GTIN + "/" + lot;
  }
}
