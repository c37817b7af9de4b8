package org.medtrace.ingest.lab;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Varies;
import ca.uhn.hl7v2.model.v251.datatype.CX;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_OBSERVATION;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_ORDER_OBSERVATION;
import ca.uhn.hl7v2.model.v251.group.ORU_R01_PATIENT_RESULT;
import ca.uhn.hl7v2.model.v251.message.ORU_R01;
import ca.uhn.hl7v2.model.v251.segment.MSH;
import ca.uhn.hl7v2.model.v251.segment.OBX;
import ca.uhn.hl7v2.model.v251.segment.PID;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.Fingerprints;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;

/**
 * Decodes HL7 v2 ORU^R01 lab results into a {@code lab-result} record anchored on the patient.
 *
 * <p>Parsing is HAPI's, into the 2.5.1 structures for every version 2.3 to 2.5.1 (a canonical model
 * class factory), without HAPI's field validation: the decoder checks what the ledger needs itself,
 * and names it. What it takes:
 *
 * <ul>
 *   <li>the record: SHA-256 of the message as received (MLLP framing removed), record id and
 *       source message id from MSH-10 (the control id, unique per sending facility), the location
 *       {@code urn:medtrace:hl7v2:<facility>:<control id>};
 *   <li>the acting party: the sending facility (MSH-4) as organisation, the sending application
 *       (MSH-3) as user, role {@link Role#LABORATORY};
 *   <li>the patient: a keyed hash of the PID-3 identifier of the configured assigning authority and
 *       type (PID-3 repeats), so the raw identifier never reaches the ledger;
 *   <li>metadata: every OBX's code, name, value, units and status, and each OBR's service code.
 * </ul>
 */
public final class LabResultDecoder implements RecordDecoder {

  public static final String CATEGORY = "lab-result";
  private static final char MLLP_START = 0x0b;
  private static final char MLLP_END = 0x1c;

  private final LabResultSettings settings;
  private final byte[] pseudonymKey;
  private final PipeParser parser;

  public LabResultDecoder(LabResultSettings settings) {
    this.settings = settings;
    this.pseudonymKey = settings.pseudonymKey().getBytes(StandardCharsets.UTF_8);
    HapiContext context = new DefaultHapiContext();
    context.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
    context.setValidationContext(ValidationContextFactory.noValidation());
    this.parser = context.getPipeParser();
  }

  @Override
  public DecodedMessage decode(SourceRecord record) {
    String raw = withoutMllpFraming(new String(record.value(), StandardCharsets.UTF_8));
    String label = "HL7 message at " + record.position();
    if (raw.isBlank()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, "empty message");
    }
    Message message;
    try {
      // HL7 separates segments with CR; files and some senders use LF or CRLF.
      message = parser.parse(raw.replace("\r\n", "\r").replace('\n', '\r'));
    } catch (HL7Exception | RuntimeException e) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, "not a parseable HL7 v2 message: " + e.getMessage());
    }
    if (!(message instanceof ORU_R01 oru)) {
      return DecodedMessage.undecodable(
          label,
          DecodeFailure.UNSUPPORTED_MESSAGE_TYPE,
          "only ORU^R01 lab results are recorded, this is " + message.getName());
    }
    try {
      return decode(oru, raw, label);
    } catch (HL7Exception e) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, e.getMessage());
    }
  }

  private DecodedMessage decode(ORU_R01 oru, String raw, String label) throws HL7Exception {
    MSH msh = oru.getMSH();
    String controlId = value(msh.getMessageControlID().getValue());
    String facility = firstNonBlank(
        msh.getSendingFacility().getNamespaceID().getValue(), msh.getSendingFacility().getUniversalID().getValue());
    String application = firstNonBlank(
        msh.getSendingApplication().getNamespaceID().getValue(), msh.getSendingApplication().getUniversalID().getValue());
    if (!controlId.isEmpty()) {
      label = "HL7 message " + controlId;
    }
    if (controlId.isEmpty()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "MSH-10 (message control id) is empty");
    }
    if (facility.isEmpty()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "MSH-4 (sending facility, the laboratory) is empty");
    }
    if (oru.getPATIENT_RESULTReps() == 0) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "no patient result group (PID, OBR, OBX)");
    }
    PID pid = oru.getPATIENT_RESULT(0).getPATIENT().getPID();
    Optional<CX> identifier = chosenIdentifier(pid);
    if (identifier.isEmpty()) {
      return DecodedMessage.undecodable(
          label,
          DecodeFailure.UNKNOWN_SUBJECT,
          "no PID-3 identifier with assigning authority '"
              + settings.assigningAuthority()
              + "' and type '"
              + settings.identifierType()
              + "' among "
              + pid.getPatientIdentifierListReps()
              + " identifier(s)");
    }
    Map<String, String> metadata = observations(oru);
    if (!metadata.containsKey("obx.1.code")) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "no OBX segment: an ORU^R01 without observations carries no result");
    }
    metadata.put("hl7.version", value(msh.getVersionID().getVersionID().getValue()));
    metadata.put("hl7.control-id", controlId);

    String patientKey = pseudonym(identifier.get());
    String contentSha256 = Fingerprints.sha256Hex(raw.getBytes(StandardCharsets.UTF_8));
    String recordId = "hl7:" + facility + ":" + controlId;
    String location = "urn:medtrace:hl7v2:" + urlPart(facility) + ":" + urlPart(controlId);
    ActingParty lab = new ActingParty(facility, application.isEmpty() ? "hl7-interface" : application, Role.LABORATORY);
    Map<String, String> recordMetadata = Map.copyOf(metadata);
    RoutedCommand<PatientRecord.Command> anchor =
        new RoutedCommand<>(
            PatientRecord.TYPE_KEY,
            patientKey,
            controlId,
            lab,
            (actor, replyTo) ->
                new PatientRecord.AnchorRecord(
                    recordId,
                    CATEGORY,
                    contentSha256,
                    location,
                    application.isEmpty() ? facility : application,
                    facility,
                    recordMetadata,
                    actor,
                    controlId,
                    replyTo),
            "anchor lab result " + controlId + " of " + facility);
    return DecodedMessage.of(new DecodedItem.Routable(label, List.of(anchor)));
  }

  /** The first PID-3 repetition matching the configured assigning authority and type, with an id. */
  private Optional<CX> chosenIdentifier(PID pid) throws HL7Exception {
    for (CX cx : pid.getPatientIdentifierList()) {
      String id = value(cx.getIDNumber().getValue());
      String authority = value(cx.getAssigningAuthority().getNamespaceID().getValue());
      String type = value(cx.getIdentifierTypeCode().getValue());
      if (!id.isEmpty()
          && (settings.assigningAuthority().isEmpty() || settings.assigningAuthority().equals(authority))
          && (settings.identifierType().isEmpty() || settings.identifierType().equals(type))) {
        return Optional.of(cx);
      }
    }
    return Optional.empty();
  }

  /**
   * The patient key: HMAC-SHA256 over the assigning authority and the identifier, so that equal
   * numbers of two authorities are two patients and nobody without the key can reverse it.
   */
  String pseudonym(CX identifier) {
    String authority = value(identifier.getAssigningAuthority().getNamespaceID().getValue());
    return Fingerprints.hmacSha256Hex(pseudonymKey, authority + "|" + value(identifier.getIDNumber().getValue()));
  }

  private static Map<String, String> observations(ORU_R01 oru) throws HL7Exception {
    Map<String, String> metadata = new LinkedHashMap<>();
    int obxCount = 0;
    int obrCount = 0;
    for (ORU_R01_PATIENT_RESULT result : oru.getPATIENT_RESULTAll()) {
      for (ORU_R01_ORDER_OBSERVATION order : result.getORDER_OBSERVATIONAll()) {
        obrCount++;
        String service = coded(
            order.getOBR().getUniversalServiceIdentifier().getNameOfCodingSystem().getValue(),
            order.getOBR().getUniversalServiceIdentifier().getIdentifier().getValue());
        if (!service.isEmpty()) {
          metadata.put("obr." + obrCount + ".code", service);
        }
        for (ORU_R01_OBSERVATION observation : order.getOBSERVATIONAll()) {
          OBX obx = observation.getOBX();
          obxCount++;
          String prefix = "obx." + obxCount + ".";
          metadata.put(prefix + "code", coded(
              obx.getObservationIdentifier().getNameOfCodingSystem().getValue(),
              obx.getObservationIdentifier().getIdentifier().getValue()));
          putIfPresent(metadata, prefix + "name", obx.getObservationIdentifier().getText().getValue());
          putIfPresent(metadata, prefix + "value", observationValue(obx));
          putIfPresent(metadata, prefix + "units", obx.getUnits().getIdentifier().getValue());
          putIfPresent(metadata, prefix + "status", obx.getObservationResultStatus().getValue());
        }
      }
    }
    if (obxCount > 0) {
      metadata.put("observation-count", Integer.toString(obxCount));
    }
    return metadata;
  }

  /** OBX-5 as sent (its repetitions joined by '~'); numeric, coded and text values alike. */
  private static String observationValue(OBX obx) throws HL7Exception {
    List<String> values = new ArrayList<>();
    for (Varies value : obx.getObservationValue()) {
      String encoded = value.getData().encode();
      if (encoded != null && !encoded.isEmpty()) {
        values.add(encoded);
      }
    }
    return String.join("~", values);
  }

  private static String coded(String system, String code) {
    String c = value(code);
    String s = value(system);
    return c.isEmpty() ? "" : s.isEmpty() ? c : s + ":" + c;
  }

  private static void putIfPresent(Map<String, String> metadata, String key, String value) {
    if (value != null && !value.isEmpty()) {
      metadata.put(key, value);
    }
  }

  static String withoutMllpFraming(String text) {
    int start = text.indexOf(MLLP_START) == 0 ? 1 : 0;
    int end = text.length();
    int trailer = text.lastIndexOf(MLLP_END);
    if (trailer >= start) {
      end = trailer;
    }
    return text.substring(start, end);
  }

  private static String firstNonBlank(String first, String second) {
    String a = value(first);
    return a.isEmpty() ? value(second) : a;
  }

  private static String value(String value) {
    return value == null ? "" : value.trim();
  }

  private static String urlPart(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
