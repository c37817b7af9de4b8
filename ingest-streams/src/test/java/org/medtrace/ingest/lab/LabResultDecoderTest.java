package org.medtrace.ingest.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.ingest.Samples;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.Fingerprints;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;

/**
 * ORU^R01 variants into patient record anchors, without a broker. The 2.3 glucose sample is the
 * widely published HL7 v2 ORU^R01 example (its PID-3 given an MR identifier of our test hospital);
 * the others follow the HL7 v2.5.1 Laboratory Results Interface (LRI) layout with LOINC codes.
 */
class LabResultDecoderTest {

  private static final String KEY = "test-pseudonym-key-0123456789";
  private final LabResultDecoder decoder = new LabResultDecoder(new LabResultSettings(KEY, "STMARY", "MR"));

  @Test
  void anchorsAV251ResultWithEveryObservationAsMetadata() {
    PatientRecord.AnchorRecord anchor = onlyAnchor(decoder.decode(Samples.record("hl7/oru-r01-v251-cbc.hl7")));
    assertEquals("lab-result", anchor.category());
    assertEquals("CL-20261103-0001", anchor.sourceMessageId());
    assertEquals("CITYLAB", anchor.party().organisation());
    assertEquals("LAB-LIS", anchor.party().user());
    assertEquals(Role.LABORATORY, anchor.party().role());
    assertEquals(Fingerprints.sha256Hex(Samples.bytes("hl7/oru-r01-v251-cbc.hl7")), anchor.contentSha256());
    assertEquals("4", anchor.metadata().get("observation-count"));
    assertEquals("LN:6690-2", anchor.metadata().get("obx.1.code"));
    assertEquals("10.2", anchor.metadata().get("obx.1.value"));
    assertEquals("10*3/uL", anchor.metadata().get("obx.1.units"));
    assertEquals("LN:777-3", anchor.metadata().get("obx.4.code"));
    assertEquals("172", anchor.metadata().get("obx.4.value"));
    assertEquals("LN:58410-2", anchor.metadata().get("obr.1.code"));
    assertEquals("2.5.1", anchor.metadata().get("hl7.version"));
  }

  @Test
  void thePatientKeyIsAKeyedHashOfTheConfiguredIdentifierNeverTheIdentifier() {
    RoutedCommand<?> command = onlyCommand(decoder.decode(Samples.record("hl7/oru-r01-v251-cbc.hl7")));
    // PID-3 repeats SS, MR and PI identifiers; the MR of STMARY is chosen.
    assertEquals(Fingerprints.hmacSha256Hex(KEY.getBytes(StandardCharsets.UTF_8), "STMARY|4711"), command.entityId());
    assertTrue(PatientRecord.isValidPatientKey(command.entityId()));
    PatientRecord.AnchorRecord anchor = (PatientRecord.AnchorRecord) command.command().apply(null);
    String everything = command.entityId() + anchor.metadata() + anchor.recordId() + anchor.locationUri();
    assertFalse(everything.contains("4711"), everything);
    assertFalse(everything.contains("555-44-4444"), everything);
    // The same patient in another message (another version, another layout) gets the same key.
    assertEquals(command.entityId(), onlyCommand(decoder.decode(Samples.record("hl7/oru-r01-v24-two-orders.hl7"))).entityId());
    // Another secret, another key.
    LabResultDecoder otherKey = new LabResultDecoder(new LabResultSettings("another-secret-key-0123456789", "STMARY", "MR"));
    assertNotEquals(command.entityId(), onlyCommand(otherKey.decode(Samples.record("hl7/oru-r01-v251-cbc.hl7"))).entityId());
  }

  @Test
  void parsesAV23MessageIntoTheSameModel() {
    PatientRecord.AnchorRecord anchor = onlyAnchor(decoder.decode(Samples.record("hl7/oru-r01-v23-glucose.hl7")));
    assertEquals("CNTRL-3456", anchor.sourceMessageId());
    assertEquals("ELAB-3", anchor.party().organisation());
    // This sample puts the LOINC-style axes in OBX-3.3 (the coding system), as published.
    assertEquals("POST 12H CFST:MCNC:PT:SER/PLAS:QN:1554-5", anchor.metadata().get("obx.1.code"));
    assertEquals("GLUCOSE", anchor.metadata().get("obx.1.name"));
    assertEquals("^182", anchor.metadata().get("obx.1.value"));
    assertEquals("mg/dl", anchor.metadata().get("obx.1.units"));
    assertEquals("2.3", anchor.metadata().get("hl7.version"));
  }

  @Test
  void collectsObservationsOfEveryOrder() {
    PatientRecord.AnchorRecord anchor = onlyAnchor(decoder.decode(Samples.record("hl7/oru-r01-v24-two-orders.hl7")));
    assertEquals("3", anchor.metadata().get("observation-count"));
    assertEquals("LN:2160-0", anchor.metadata().get("obx.2.code"));
    assertEquals("Sample slightly haemolysed", anchor.metadata().get("obx.3.value"));
    assertEquals("LN:2160-0", anchor.metadata().get("obr.2.code"));
  }

  @Test
  void stripsMllpFramingAndHashesTheMessageWithoutIt() {
    byte[] message = Samples.bytes("hl7/oru-r01-v251-cbc.hl7");
    byte[] framed = new byte[message.length + 3];
    framed[0] = 0x0b;
    System.arraycopy(message, 0, framed, 1, message.length);
    framed[framed.length - 2] = 0x1c;
    framed[framed.length - 1] = 0x0d;
    PatientRecord.AnchorRecord anchor = onlyAnchor(decoder.decode(SourceRecord.ofValue(framed)));
    assertEquals(Fingerprints.sha256Hex(message), anchor.contentSha256());
    assertEquals("CL-20261103-0001", anchor.sourceMessageId());
  }

  @Test
  void aRedeliveryDecodesToTheSameIdempotencyKeyAndEntity() {
    RoutedCommand<?> first = onlyCommand(decoder.decode(Samples.record("hl7/oru-r01-v251-cbc.hl7")));
    RoutedCommand<?> again = onlyCommand(decoder.decode(Samples.record("hl7/oru-r01-v251-cbc.hl7")));
    assertEquals(first.entityKey(), again.entityKey());
    assertEquals(first.sourceMessageId(), again.sourceMessageId());
  }

  @Test
  void deadLettersWhatIsNotAnOruR01OrLacksWhatTheLedgerNeeds() {
    assertUndecodable("hl7/adt-a01.hl7", DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "ADT_A01");
    assertUndecodable("hl7/oru-r01-no-control-id.hl7", DecodeFailure.MISSING_FIELD, "MSH-10");
    assertUndecodable("hl7/oru-r01-foreign-identifiers-only.hl7", DecodeFailure.UNKNOWN_SUBJECT, "STMARY");
    assertUndecodable("hl7/oru-r01-no-obx.hl7", DecodeFailure.MISSING_FIELD, "OBX");
    assertUndecodable(SourceRecord.ofValue("this is not HL7".getBytes(StandardCharsets.UTF_8)), DecodeFailure.MALFORMED, "HL7");
    assertUndecodable(SourceRecord.ofValue(new byte[0]), DecodeFailure.MALFORMED, "empty");
    byte[] truncated = Arrays.copyOf(Samples.bytes("hl7/oru-r01-v251-cbc.hl7"), 30);
    assertUndecodable(SourceRecord.ofValue(truncated), DecodeFailure.MALFORMED, "");
  }

  @Test
  void anIdentifierOfAnyAuthorityIsUsedWhenNoneIsConfigured() {
    LabResultDecoder anyAuthority = new LabResultDecoder(new LabResultSettings(KEY, "", "PI"));
    RoutedCommand<?> command = onlyCommand(anyAuthority.decode(Samples.record("hl7/oru-r01-foreign-identifiers-only.hl7")));
    assertEquals(Fingerprints.hmacSha256Hex(KEY.getBytes(StandardCharsets.UTF_8), "CITYLAB|A-99812"), command.entityId());
  }

  private void assertUndecodable(String sample, DecodeFailure reason, String mentioned) {
    assertUndecodable(Samples.record(sample), reason, mentioned);
  }

  private void assertUndecodable(SourceRecord record, DecodeFailure reason, String mentioned) {
    DecodedMessage decoded = decoder.decode(record);
    DecodedItem.Undecodable undecodable = assertInstanceOf(DecodedItem.Undecodable.class, decoded.items().get(0));
    assertEquals(reason, undecodable.reason(), undecodable.message());
    assertTrue(undecodable.message().contains(mentioned), undecodable.message());
  }

  private static RoutedCommand<?> onlyCommand(DecodedMessage decoded) {
    assertEquals(1, decoded.items().size());
    DecodedItem.Routable routable = assertInstanceOf(DecodedItem.Routable.class, decoded.items().get(0), decoded.toString());
    assertEquals(1, routable.commands().size());
    assertEquals(PatientRecord.TYPE_KEY, routable.commands().get(0).typeKey());
    return routable.commands().get(0);
  }

  private static PatientRecord.AnchorRecord onlyAnchor(DecodedMessage decoded) {
    return (PatientRecord.AnchorRecord) onlyCommand(decoded).command().apply(null);
  }
}
