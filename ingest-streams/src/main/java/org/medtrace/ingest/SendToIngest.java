package org.medtrace.ingest;

import com.google.protobuf.Timestamp;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.medtrace.ingest.signing.RecordSigner;
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
 * With {@code --sign SERIAL} before the kind, each record is signed as the organisation of that
 * certificate (a signed record, see ingest-streams/README.md), with the key {@code bin/medtrace ca
 * issue} left in the CA directory ({@code --ca-dir DIR}, default {@code $MEDTRACE_CA_DIR}, else
 * {@code data/ca}).
 *
 * <p>It waits for the broker's acknowledgement of each record and prints where it went.
 */
public final class SendToIngest {

  private SendToIngest() {}

  private static final String USAGE =
      "usage: [--sign SERIAL [--ca-dir DIR]] lab-result FILE | epcis FILE | temperatures SENSOR GTIN/LOT FIRST-SEQUENCE C... | usage SENSOR DEVICE SEQUENCE HOURS";

  public static void main(String[] arguments) throws Exception {
    List<String> rest = new ArrayList<>(List.of(arguments));
    Optional<String> signWith = option(rest, "--sign");
    Path caDir = Path.of(option(rest, "--ca-dir").orElse(System.getenv().getOrDefault("MEDTRACE_CA_DIR", "data/ca")));
    String[] args = rest.toArray(String[]::new);
    if (args.length < 2 || args[0].startsWith("--")) {
      System.err.println(USAGE);
      System.exit(2);
    }
    Optional<RecordSigner> signer = signWith.map(serial -> RecordSigner.fromCaDirectory(caDir, serial, Clock.systemUTC()));
    signer.ifPresent(s -> System.out.println(
        "signing as " + s.certificate().organisation() + " (" + s.certificate().role() + "), key id " + s.certificate().keyId()));
    var config = ConfigFactory.load();
    IngestSettings settings = IngestSettings.from(config);
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
            new StringSerializer(),
            new ByteArraySerializer())) {
      switch (args[0]) {
        case "lab-result" -> send(producer, signer, settings.labResults().topic(), null, Files.readAllBytes(Path.of(args[1])));
        case "epcis" -> send(producer, signer, settings.epcisEvents().topic(), null, Files.readAllBytes(Path.of(args[1])));
        case "temperatures" -> {
          long sequence = Long.parseLong(args[3]);
          for (int i = 4; i < args.length; i++) {
            SensorReading reading =
                reading(args[1], sequence++, SubjectType.SUBJECT_TYPE_DRUG_BATCH, args[2], ReadingKind.READING_KIND_TEMPERATURE)
                    .setValue(Double.parseDouble(args[i]))
                    .setUnit("CEL")
                    .build();
            send(producer, signer, settings.sensorReadings().topic(), args[2], reading.toByteArray());
          }
        }
        case "usage" -> {
          SensorReading reading =
              reading(args[1], Long.parseLong(args[3]), SubjectType.SUBJECT_TYPE_MEDICAL_DEVICE, args[2], ReadingKind.READING_KIND_USAGE_HOURS)
                  .setValue(Double.parseDouble(args[4]))
                  .setUnit("h")
                  .build();
          send(producer, signer, settings.sensorReadings().topic(), args[2], reading.toByteArray());
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

  /** Removes {@code name} and its value from {@code args}; the value, if it was there. */
  private static Optional<String> option(List<String> args, String name) {
    int at = args.indexOf(name);
    if (at < 0) {
      return Optional.empty();
    }
    if (at + 1 >= args.size()) {
      System.err.println(name + " needs a value\n" + USAGE);
      System.exit(2);
    }
    String value = args.get(at + 1);
    args.subList(at, at + 2).clear();
    return Optional.of(value);
  }

  private static void send(KafkaProducer<String, byte[]> producer, Optional<RecordSigner> signer, String topic, String key, byte[] value)
      throws InterruptedException, ExecutionException {
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
    signer.ifPresent(s -> s.headers(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value)
        .forEach((name, header) -> record.headers().add(name, header)));
    var metadata = producer.send(record).get();
    System.out.println("sent to " + metadata.topic() + "-" + metadata.partition() + "@" + metadata.offset());
  }
}
