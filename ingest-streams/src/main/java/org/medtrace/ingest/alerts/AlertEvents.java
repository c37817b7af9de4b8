package org.medtrace.ingest.alerts;

import com.google.protobuf.Timestamp;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.medtrace.ingest.v1.Alert;
import org.medtrace.ledger.v1.ColdChainQuarantined;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LogForkKind;
import org.medtrace.ledger.v1.TemperatureReading;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.HashChain;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.UnreadableRecord;

/**
 * Turns journal events tagged as alerts into {@link Alert} messages for the alerts topic. Pure
 * functions, no I/O: the publisher's stream and the tests share them.
 */
public final class AlertEvents {

  /**
   * The {@link Alert#getKind() kind} of an alert about a tagged journal row that could not be
   * decoded. Such a row is itself alarming (tampering or corruption), and skipping it silently or
   * stopping all alerts on it would both be worse than saying so.
   */
  public static final String UNREADABLE_JOURNAL_ROW = "UNREADABLE_JOURNAL_ROW";

  private AlertEvents() {}

  /** {@code <entity-type>/<entity-id>/<sequence-number>}: the same on every redelivery. */
  public static String alertId(String entityType, String entityId, long sequenceNumber) {
    return entityType + "/" + entityId + "/" + sequenceNumber;
  }

  /**
   * The alert for one envelope of an events-by-tag query.
   *
   * @throws IllegalArgumentException if the envelope holds something that is not a journal record
   *     (a misconfigured serializer binding: nothing sensible can be published)
   */
  public static Alert fromEnvelope(EventEnvelope envelope) {
    if (!(envelope.event() instanceof JournalRecord record)) {
      throw new IllegalArgumentException(
          "Event "
              + envelope.persistenceId()
              + " #"
              + envelope.sequenceNr()
              + " is a "
              + (envelope.event() == null ? "null" : envelope.event().getClass().getName())
              + ", not a ledger journal record");
    }
    if (record instanceof ChainedEvent event) {
      return fromEvent(event);
    }
    return fromUnreadable(
        envelope.persistenceId(), envelope.sequenceNr(), (UnreadableRecord) record);
  }

  /** The alert for a readable ledger event. */
  public static Alert fromEvent(ChainedEvent event) {
    EventBody body = event.body();
    return Alert.newBuilder()
        .setAlertId(alertId(body.getEntityType(), body.getEntityId(), body.getSequenceNumber()))
        .setEntityType(body.getEntityType())
        .setEntityId(body.getEntityId())
        .setSequenceNumber(body.getSequenceNumber())
        .setEventHashHex(event.hashHex())
        .setKind(body.getEventCase().name())
        .setRecordedAt(body.getRecordedAt())
        .setSummary(summary(body))
        .setEvent(body)
        .build();
  }

  /**
   * The alert for a tagged row whose bytes did not decode. Entity type and id come from the
   * persistence id ({@code <entity-type>|<entity-id>}, as the entities build it).
   */
  static Alert fromUnreadable(String persistenceId, long sequenceNumber, UnreadableRecord record) {
    int separator = persistenceId.indexOf('|');
    String entityType = separator < 0 ? "" : persistenceId.substring(0, separator);
    String entityId = separator < 0 ? persistenceId : persistenceId.substring(separator + 1);
    Alert.Builder alert =
        Alert.newBuilder()
            .setAlertId(alertId(entityType, entityId, sequenceNumber))
            .setEntityType(entityType)
            .setEntityId(entityId)
            .setSequenceNumber(sequenceNumber)
            .setKind(UNREADABLE_JOURNAL_ROW)
            .setRecordedAt(Timestamp.getDefaultInstance())
            .setSummary(
                "Journal row "
                    + persistenceId
                    + " #"
                    + sequenceNumber
                    + " is tagged as an alert but cannot be decoded ("
                    + record.problem()
                    + "); verify the entity's chain");
    record
        .envelope()
        .ifPresent(envelope -> alert.setEventHashHex(HashChain.hex(envelope.getHash().toByteArray())));
    return alert.build();
  }

  /** One line for people, naming the entity and what the rule found. */
  public static String summary(EventBody body) {
    String id = body.getEntityId();
    return switch (body.getEventCase()) {
      case COLD_CHAIN_QUARANTINED -> coldChain(id, body.getColdChainQuarantined());
      case SUSPECTED_DUPLICATE_SCAN -> {
        var scan = body.getSuspectedDuplicateScan();
        yield "Drug batch "
            + id
            + ": unit "
            + scan.getUnitSerial()
            + " presented again (for patient "
            + scan.getAttemptedPatientPseudonym()
            + "), first dispensed at #"
            + scan.getFirstDispensedSequenceNumber()
            + "; refused as a suspected counterfeit";
      }
      case MAINTENANCE_OVERDUE -> {
        var overdue = body.getMaintenanceOverdue();
        yield "Medical device "
            + id
            + " is overdue for maintenance: "
            + number(overdue.getHoursSinceMaintenance())
            + " h of use since the last one (interval "
            + number(overdue.getIntervalHours())
            + " h, overdue period "
            + overdue.getOverduePeriod()
            + ")";
      }
      case DECOMMISSIONED_DEVICE_USE_ATTEMPTED -> {
        var attempt = body.getDecommissionedDeviceUseAttempted();
        yield "Medical device "
            + id
            + " is decommissioned; attempted "
            + attempt.getAttemptedAction()
            + " by "
            + party(body)
            + " refused"
            + (attempt.getDetail().isEmpty() ? "" : ": " + attempt.getDetail());
      }
      case ACCESS_DENIED -> {
        var denied = body.getAccessDenied();
        yield "Patient record "
            + id
            + ": "
            + party(body)
            + " was denied "
            + what(denied.getRecordId(), denied.getCategory())
            + " for "
            + denied.getPurpose()
            + ": "
            + denied.getReason();
      }
      case ACCESS_RECORDED -> {
        var access = body.getAccessRecorded();
        yield "Patient record "
            + id
            + ": "
            + (access.getBreakGlassJustification().isEmpty() ? "access" : "break-glass access")
            + " by "
            + party(body)
            + " to "
            + what(access.getRecordId(), access.getCategory())
            + (access.getBreakGlassJustification().isEmpty()
                ? ""
                : " (" + access.getBreakGlassJustification() + "); review required");
      }
      case LOG_FORK_DETECTED -> {
        var fork = body.getLogForkDetected();
        yield "LOG FORK: witness "
            + fork.getWitness()
            + (fork.getKind() == LogForkKind.SAME_SIZE_DIFFERENT_ROOT
                ? " holds two checkpoints of log " + fork.getOrigin() + " with different roots for size " + fork.getTreeSize()
                : " was shown a checkpoint of log "
                    + fork.getOrigin()
                    + " that is not proven consistent with the one it cosigned at size "
                    + fork.getTreeSize())
            + "; evidence "
            + fork.getEvidenceId()
            + " (both signed notes are in the event and at GET /api/v1/witness/forks)";
      }
      // A rule added later tags a new kind of event: still published, described generically.
      default ->
          body.getEntityType()
              + " "
              + id
              + ": "
              + body.getEventCase().name()
              + " at #"
              + body.getSequenceNumber();
    };
  }

  private static String coldChain(String batch, ColdChainQuarantined quarantine) {
    String readings =
        quarantine.getOffendingReadingsList().stream()
            .map(TemperatureReading::getCelsius)
            .map(AlertEvents::number)
            .collect(Collectors.joining(", "));
    return "Drug batch "
        + batch
        + " quarantined: "
        + quarantine.getOffendingReadingsCount()
        + " consecutive readings outside "
        + number(quarantine.getMinCelsius())
        + "–"
        + number(quarantine.getMaxCelsius())
        + " °C ("
        + readings
        + " °C)";
  }

  private static String party(EventBody body) {
    var party = body.getActingParty();
    return party.getUser() + "@" + party.getOrganisation() + " as " + party.getRole();
  }

  private static String what(String recordId, String category) {
    if (!recordId.isEmpty()) {
      return "record " + recordId;
    }
    return category.isEmpty() ? "the record list" : "category " + category;
  }

  private static String number(double value) {
    return value == Math.rint(value)
        ? String.format(Locale.ROOT, "%.1f", value)
        : String.format(Locale.ROOT, "%s", value);
  }
}
