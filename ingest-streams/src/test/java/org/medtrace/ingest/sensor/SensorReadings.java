package org.medtrace.ingest.sensor;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.v1.ReadingKind;
import org.medtrace.ingest.v1.SensorReading;
import org.medtrace.ingest.v1.SubjectType;

/** Builds sensor readings as a gateway would publish them. */
public final class SensorReadings {

  private SensorReadings() {}

  public static SensorReading temperature(String sensor, long sequence, String batch, double celsius, Instant at) {
    return SensorReading.newBuilder()
        .setSensorId(sensor)
        .setSequenceNumber(sequence)
        .setSubjectType(SubjectType.SUBJECT_TYPE_DRUG_BATCH)
        .setSubjectId(batch)
        .setKind(ReadingKind.READING_KIND_TEMPERATURE)
        .setValue(celsius)
        .setUnit("CEL")
        .setMeasuredAt(timestamp(at))
        .build();
  }

  public static SensorReading usage(String sensor, long sequence, String device, double hours, Instant at) {
    return SensorReading.newBuilder()
        .setSensorId(sensor)
        .setSequenceNumber(sequence)
        .setSubjectType(SubjectType.SUBJECT_TYPE_MEDICAL_DEVICE)
        .setSubjectId(device)
        .setKind(ReadingKind.READING_KIND_USAGE_HOURS)
        .setValue(hours)
        .setUnit("h")
        .setMeasuredAt(timestamp(at))
        .build();
  }

  public static SensorReading fault(String sensor, long sequence, String device, String code, Instant at) {
    return SensorReading.newBuilder()
        .setSensorId(sensor)
        .setSequenceNumber(sequence)
        .setSubjectType(SubjectType.SUBJECT_TYPE_MEDICAL_DEVICE)
        .setSubjectId(device)
        .setKind(ReadingKind.READING_KIND_FAULT)
        .setFaultCode(code)
        .setFaultDescription("occlusion detected")
        .setMeasuredAt(timestamp(at))
        .build();
  }

  public static SourceRecord record(SensorReading reading) {
    return SourceRecord.ofValue(reading.toByteArray());
  }

  public static Timestamp timestamp(Instant at) {
    return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
  }
}
