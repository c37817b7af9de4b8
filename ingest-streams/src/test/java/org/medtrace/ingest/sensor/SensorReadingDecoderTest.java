package org.medtrace.ingest.sensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.ingest.sensor.SensorReadings.fault;
import static org.medtrace.ingest.sensor.SensorReadings.record;
import static org.medtrace.ingest.sensor.SensorReadings.temperature;
import static org.medtrace.ingest.sensor.SensorReadings.usage;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.device.MedicalDevice;
import org.medtrace.actors.ledger.Role;
import org.medtrace.ingest.route.DecodeFailure;
import org.medtrace.ingest.route.DecodedItem;
import org.medtrace.ingest.route.DecodedMessage;
import org.medtrace.ingest.route.RoutedCommand;
import org.medtrace.ingest.route.SourceRecord;
import org.medtrace.ingest.v1.ReadingKind;
import org.medtrace.ingest.v1.SensorReading;
import org.medtrace.ingest.v1.SubjectType;

class SensorReadingDecoderTest {

  private static final String BATCH = "00614141000418/LOT-7";
  private static final String DEVICE = "(01)00643169007222(21)BLC200461H";
  private static final Instant AT = Instant.parse("2026-11-03T10:15:30Z");

  private final AtomicLong gapsReported = new AtomicLong();
  private final SensorReadingDecoder decoder =
      new SensorReadingDecoder(
          new SensorReadingSettings("cold-logistics", Role.LOGISTICS, Role.HOSPITAL),
          new SequenceGaps(gapsReported::addAndGet));

  @Test
  void aTemperatureBecomesAColdChainReadingKeyedBySensorAndSequence() {
    RoutedCommand<?> command = onlyCommand(decoder.decode(record(temperature("logger-17", 42, BATCH, 4.5, AT))));
    assertEquals(DrugBatch.TYPE_KEY, command.typeKey());
    assertEquals(BATCH, command.entityId());
    assertEquals("logger-17/42", command.sourceMessageId());
    DrugBatch.RecordTemperature reading = (DrugBatch.RecordTemperature) command.command().apply(null);
    assertEquals(4.5, reading.celsius());
    assertEquals(AT, reading.measuredAt());
    assertEquals("logger-17", reading.sensorId());
    assertEquals("cold-logistics", reading.party().organisation());
    assertEquals(Role.LOGISTICS, reading.party().role());
    assertEquals("logger-17/42", reading.sourceMessageId());
  }

  @Test
  void fahrenheitAndKelvinAreConvertedToCelsius() {
    SensorReading fahrenheit = temperature("logger-17", 1, BATCH, 41.0, AT).toBuilder().setUnit("FAH").build();
    SensorReading kelvin = temperature("logger-17", 2, BATCH, 278.15, AT).toBuilder().setUnit("KEL").build();
    assertEquals(5.0, ((DrugBatch.RecordTemperature) onlyCommand(decoder.decode(record(fahrenheit))).command().apply(null)).celsius(), 1e-9);
    assertEquals(5.0, ((DrugBatch.RecordTemperature) onlyCommand(decoder.decode(record(kelvin))).command().apply(null)).celsius(), 1e-9);
  }

  @Test
  void usageAndFaultsBecomeDeviceTelemetry() {
    RoutedCommand<?> usage = onlyCommand(decoder.decode(record(usage("pump-meter-3", 7, DEVICE, 6.5, AT))));
    assertEquals(MedicalDevice.TYPE_KEY, usage.typeKey());
    assertEquals(DEVICE, usage.entityId());
    MedicalDevice.ReportUsage report = (MedicalDevice.ReportUsage) usage.command().apply(null);
    assertEquals(6.5, report.hours());
    assertEquals(Role.HOSPITAL, report.party().role());
    RoutedCommand<?> fault = onlyCommand(decoder.decode(record(fault("pump-meter-3", 8, DEVICE, "E-OCCL", AT))));
    MedicalDevice.ReportFault reportFault = (MedicalDevice.ReportFault) fault.command().apply(null);
    assertEquals("E-OCCL", reportFault.code());
    assertEquals("pump-meter-3/8", reportFault.sourceMessageId());
  }

  @Test
  void gapsAreCountedButNotRefusedAndLateOrRepeatedReadingsAreNoGap() {
    List<Long> sequence = List.of(1L, 2L, 5L, 3L, 5L, 6L, 10L);
    for (long number : sequence) {
      onlyCommand(decoder.decode(record(temperature("logger-9", number, BATCH, 5.0, AT.plusSeconds(number)))));
    }
    // 3 and 4 were skipped at 5 (3 arrives late, still counted as seen skipped), 7-9 at 10.
    assertEquals(5, gapsReported.get());
    onlyCommand(decoder.decode(record(temperature("another-logger", 3, BATCH, 5.0, AT))));
    assertEquals(5, gapsReported.get(), "a sensor's first reading is no gap");
  }

  @Test
  void aRepeatedReadingDecodesToTheSameIdempotencyKey() {
    SensorReading reading = temperature("logger-17", 42, BATCH, 4.5, AT);
    assertEquals(
        onlyCommand(decoder.decode(record(reading))).sourceMessageId(),
        onlyCommand(decoder.decode(record(reading))).sourceMessageId());
  }

  @Test
  void humidityIsDeadLetteredAsUnsupported() {
    SensorReading humidity = temperature("logger-17", 3, BATCH, 55, AT).toBuilder().setKind(ReadingKind.READING_KIND_HUMIDITY).setUnit("%").build();
    assertUndecodable(record(humidity), DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "humidity");
  }

  @Test
  void badReadingsAreDeadLetteredWithTheirReason() {
    assertUndecodable(SourceRecord.ofValue(new byte[] {(byte) 0xff, 0x01, 0x02}), DecodeFailure.MALFORMED, "SensorReading");
    SensorReading good = temperature("logger-17", 4, BATCH, 5.0, AT);
    assertUndecodable(record(good.toBuilder().clearSensorId().build()), DecodeFailure.MISSING_FIELD, "sensor_id");
    assertUndecodable(record(good.toBuilder().clearSequenceNumber().build()), DecodeFailure.MISSING_FIELD, "sequence_number");
    assertUndecodable(record(good.toBuilder().clearMeasuredAt().build()), DecodeFailure.MISSING_FIELD, "measured_at");
    assertUndecodable(record(good.toBuilder().setSubjectId("00614141000419/LOT-7").build()), DecodeFailure.UNKNOWN_SUBJECT, "check digit");
    assertUndecodable(record(good.toBuilder().setSubjectType(SubjectType.SUBJECT_TYPE_UNSPECIFIED).build()), DecodeFailure.UNKNOWN_SUBJECT, "subject_type");
    assertUndecodable(record(good.toBuilder().setUnit("mV").build()), DecodeFailure.INVALID_VALUE, "CEL");
    assertUndecodable(record(good.toBuilder().setValue(Double.NaN).build()), DecodeFailure.INVALID_VALUE, "finite");
    assertUndecodable(
        record(good.toBuilder().setSubjectType(SubjectType.SUBJECT_TYPE_MEDICAL_DEVICE).setSubjectId(DEVICE).build()),
        DecodeFailure.UNSUPPORTED_MESSAGE_TYPE,
        "drug batches only");
    assertUndecodable(record(fault("pump-meter-3", 9, DEVICE, "", AT)), DecodeFailure.MISSING_FIELD, "fault_code");
    assertUndecodable(record(good.toBuilder().setKindValue(99).build()), DecodeFailure.UNSUPPORTED_MESSAGE_TYPE, "99");
  }

  private void assertUndecodable(SourceRecord record, DecodeFailure reason, String mentioned) {
    DecodedMessage decoded = decoder.decode(record);
    DecodedItem.Undecodable undecodable = assertInstanceOf(DecodedItem.Undecodable.class, decoded.items().get(0), decoded.toString());
    assertEquals(reason, undecodable.reason(), undecodable.message());
    assertTrue(undecodable.message().contains(mentioned), undecodable.message());
  }

  private static RoutedCommand<?> onlyCommand(DecodedMessage decoded) {
    DecodedItem.Routable routable = assertInstanceOf(DecodedItem.Routable.class, decoded.items().get(0), decoded.toString());
    assertEquals(1, routable.commands().size());
    return routable.commands().get(0);
  }
}
