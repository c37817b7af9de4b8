package org.medtrace.ingest.sensor;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.DeviceId;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.RecordDecoder;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.v1.ReadingKind;
import org.medtrace.ingest.v1.SensorReading;
import org.medtrace.ingest.v1.SubjectType;

/**
 * Decodes {@link SensorReading}s: temperatures become cold-chain readings on drug batches, usage
 * hours and faults become device telemetry. The idempotency key is {@code <sensor id>/<sequence
 * number>}, so a resent reading is recorded once.
 *
 * <p>Humidity is dead-lettered as {@link DecodeFailure#UNSUPPORTED_MESSAGE_TYPE}: neither entity
 * keeps humidity, and storing it under another kind of event would misstate what was measured.
 */
public final class SensorReadingDecoder implements RecordDecoder {

  private final SensorReadingSettings settings;
  private final SequenceGaps gaps;

  public SensorReadingDecoder(SensorReadingSettings settings, SequenceGaps gaps) {
    this.settings = settings;
    this.gaps = gaps;
  }

  @Override
  public DecodedMessage decode(SourceRecord record) {
    String label = "sensor reading at " + record.position();
    SensorReading reading;
    try {
      reading = SensorReading.parseFrom(record.value());
    } catch (InvalidProtocolBufferException e) {
      return DecodedMessage.undecodable(label, DecodeFailure.MALFORMED, "not a SensorReading protobuf: " + e.getMessage());
    }
    if (reading.getSensorId().isBlank()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "sensor_id is empty");
    }
    if (reading.getSequenceNumber() < 1) {
      return DecodedMessage.undecodable(
          label, DecodeFailure.MISSING_FIELD, "sequence_number is missing (sensor " + reading.getSensorId() + "; numbers start at 1)");
    }
    String sourceId = reading.getSensorId() + "/" + reading.getSequenceNumber();
    label = "reading " + sourceId;
    if (!reading.hasMeasuredAt()) {
      return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "measured_at is missing");
    }
    Optional<String> badSubject = subjectProblem(reading);
    if (badSubject.isPresent()) {
      return DecodedMessage.undecodable(label, DecodeFailure.UNKNOWN_SUBJECT, badSubject.get());
    }
    gaps.observe(reading.getSensorId(), reading.getSequenceNumber());
    Instant measuredAt = Instant.ofEpochSecond(reading.getMeasuredAt().getSeconds(), reading.getMeasuredAt().getNanos());
    if (reading.getKind() == ReadingKind.READING_KIND_HUMIDITY) {
      return DecodedMessage.undecodable(
          label, DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "humidity readings are not recorded: no ledger entity keeps humidity");
    }
    if (reading.getKind() == ReadingKind.READING_KIND_TEMPERATURE) {
      return temperature(reading, label, sourceId, measuredAt);
    }
    if (reading.getKind() == ReadingKind.READING_KIND_USAGE_HOURS || reading.getKind() == ReadingKind.READING_KIND_FAULT) {
      return deviceTelemetry(reading, label, sourceId);
    }
    return DecodedMessage.undecodable(
        label, DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "reading kind " + reading.getKindValue() + " is not one this ledger records");
  }

  private DecodedMessage temperature(SensorReading reading, String label, String sourceId, Instant measuredAt) {
    if (reading.getSubjectType() != SubjectType.SUBJECT_TYPE_DRUG_BATCH) {
      return DecodedMessage.undecodable(
          label, DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "temperatures are recorded on drug batches only, not on " + reading.getSubjectType());
    }
    Optional<Double> celsius = celsius(reading.getValue(), reading.getUnit());
    if (celsius.isEmpty()) {
      return DecodedMessage.undecodable(
          label,
          DecodeFailure.INVALID_VALUE,
          "temperature " + reading.getValue() + " '" + reading.getUnit() + "' is not a finite value in CEL, FAH or KEL");
    }
    ActingParty party = new ActingParty(settings.organisation(), reading.getSensorId(), settings.batchRole());
    String batch = reading.getSubjectId();
    double value = celsius.get();
    RoutedCommand<DrugBatch.Command> command =
        new RoutedCommand<>(
            DrugBatch.TYPE_KEY,
            batch,
            sourceId,
            party,
            (actor, replyTo) -> new DrugBatch.RecordTemperature(reading.getSensorId(), measuredAt, value, actor, sourceId, replyTo),
            "temperature " + value + " °C on batch " + batch);
    return DecodedMessage.of(new DecodedItem.Routable(label, List.of(command)));
  }

  private DecodedMessage deviceTelemetry(SensorReading reading, String label, String sourceId) {
    if (reading.getSubjectType() != SubjectType.SUBJECT_TYPE_MEDICAL_DEVICE) {
      return DecodedMessage.undecodable(
          label, DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, reading.getKind() + " is recorded on medical devices only");
    }
    ActingParty party = new ActingParty(settings.organisation(), reading.getSensorId(), settings.deviceRole());
    String device = reading.getSubjectId();
    RoutedCommand<MedicalDevice.Command> command;
    if (reading.getKind() == ReadingKind.READING_KIND_USAGE_HOURS) {
      String unit = reading.getUnit().toLowerCase(Locale.ROOT);
      if (!(unit.isEmpty() || unit.equals("h") || unit.equals("hur"))) {
        return DecodedMessage.undecodable(label, DecodeFailure.INVALID_VALUE, "usage is counted in hours (h), not '" + reading.getUnit() + "'");
      }
      double hours = reading.getValue();
      command =
          new RoutedCommand<>(
              MedicalDevice.TYPE_KEY,
              device,
              sourceId,
              party,
              (actor, replyTo) -> new MedicalDevice.ReportUsage(hours, actor, sourceId, replyTo),
              "usage of " + hours + " h on device " + device);
    } else {
      if (reading.getFaultCode().isBlank()) {
        return DecodedMessage.undecodable(label, DecodeFailure.MISSING_FIELD, "a fault reading needs fault_code");
      }
      command =
          new RoutedCommand<>(
              MedicalDevice.TYPE_KEY,
              device,
              sourceId,
              party,
              (actor, replyTo) -> new MedicalDevice.ReportFault(reading.getFaultCode(), reading.getFaultDescription(), actor, sourceId, replyTo),
              "fault " + reading.getFaultCode() + " on device " + device);
    }
    return DecodedMessage.of(new DecodedItem.Routable(label, List.of(command)));
  }

  private static Optional<String> subjectProblem(SensorReading reading) {
    String id = reading.getSubjectId();
    switch (reading.getSubjectType()) {
      case SUBJECT_TYPE_DRUG_BATCH -> {
        try {
          BatchId parsed = BatchId.fromEntityId(id);
          return parsed.entityId().equals(id)
              ? Optional.empty()
              : Optional.of("batch id '" + id + "' is not in its normal form " + parsed.entityId());
        } catch (IllegalArgumentException e) {
          return Optional.of("not a batch id: " + e.getMessage());
        }
      }
      case SUBJECT_TYPE_MEDICAL_DEVICE -> {
        return DeviceId.problem(id).map(problem -> "not a device id: " + problem);
      }
      default -> {
        return Optional.of("subject_type is missing or unknown (" + reading.getSubjectTypeValue() + ")");
      }
    }
  }

  /**
   * The temperature in °C, from CEL, FAH or KEL (UN/CEFACT codes, as EPCIS uses them); empty for
   * another unit or a value that is not finite.
   */
  public static Optional<Double> celsius(double value, String unit) {
    if (!Double.isFinite(value)) {
      return Optional.empty();
    }
    return switch (unit.toUpperCase(Locale.ROOT)) {
      case "CEL", "C", "°C" -> Optional.of(value);
      case "FAH", "F", "°F" -> Optional.of((value - 32) * 5 / 9);
      case "KEL", "K" -> Optional.of(value - 273.15);
      default -> Optional.empty();
    };
  }
}
