package org.medtrace.ingest;

import com.google.protobuf.Timestamp;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.medtrace.ingest.v1.ReadingKind;
import org.medtrace.ingest.v1.SensorReading;
import org.medtrace.ingest.v1.SubjectType;

/**
 * Sends sample input to the ingest topics of the configured Kafka ({@code medtrace.kafka}, topics of
 * {@code medtrace.ingest}), for trying a node out:
 *
 * <pre>
 * lab-result FILE.hl7                                   an HL7 v2 ORU^R01 message
 * epcis FILE.jsonld                                     an EPCIS 2.0 JSON document
 * temperatures SENSOR GTIN/LOT FIRST-SEQUENCE C1 C2 ... readings in °C, one per sequence number
 * usage SENSOR DEVICE-ID SEQUENCE HOURS                 usage hours of a device
 * </pre>
 *
 * It waits for the broker's acknowledgement of each record and prints where it went.
 */
public final class SendToIngest {

  private SendToIngest() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: lab-result FILE | epcis FILE | temperatures SENSOR GTIN/LOT FIRST-SEQUENCE C... | usage SENSOR DEVICE SEQUENCE HOURS");
      System.exit(2);
    }
    var config = ConfigFactory.load();
    IngestSettings settings = IngestSettings.from(config);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      switch (args[0]) {
        case "lab-result" -> send(producer, settings.labResults().topic(), null, Files.readAllBytes(Path.of(args[1])));
        case "epcis" -> send(producer, settings.epcisEvents().topic(), null, Files.readAllBytes(Path.of(args[1])));
        case "temperatures" -> {
          long sequence = Long.parseLong(args[3]);
          for (int i = 4; i < args.length; i++) {
            SensorReading reading =
                reading(args[1], sequence++, SubjectType.SUBJECT_TYPE_DRUG_BATCH, args[2], ReadingKind.READING_KIND_TEMPERATURE)
                    .setValue(Double.parseDouble(args[i]))
                    .setUnit("CEL")
                    .build();
            send(producer, settings.sensorReadings().topic(), args[2], reading.toByteArray());
          }
        }
        case "usage" -> {
          SensorReading reading =
              reading(args[1], Long.parseLong(args[3]), SubjectType.SUBJECT_TYPE_MEDICAL_DEVICE, args[2], ReadingKind.READING_KIND_USAGE_HOURS)
                  .setValue(Double.parseDouble(args[4]))
                  .setUnit("h")
                  .build();
          send(producer, settings.sensorReadings().topic(), args[2], reading.toByteArray());
        }
        default -> {
          System.err.println("unknown input kind '" + args[0] + "'");
          System.exit(2);
        }
      }
    }
  }

  private static SensorReading.Builder reading(String sensor, long sequence, SubjectType type, String subject, ReadingKind kind) {
    Instant now = Instant.now();
    return SensorReading.newBuilder()
        .setSensorId(sensor)
        .setSequenceNumber(sequence)
        .setSubjectType(type)
        .setSubjectId(subject)
        .setKind(kind)
        .setMeasuredAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()));
  }

  private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
      throws InterruptedException, ExecutionException {
    var metadata = producer.send(new ProducerRecord<>(topic, key, value)).get();
    System.out.println("sent to " + metadata.topic() + "-" + metadata.partition() + "@" + metadata.offset());
  }
}
