package org.medtrace.ingest.pipeline;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.medtrace.ingest.route.ItemOutcome;
import org.medtrace.ingest.route.MessageOutcome;
import org.medtrace.ingest.route.SourceRecord;

/**
 * The dead-letter record of a message that was not stored: the original key, value and headers,
 * plus headers saying why and where it came from, on {@code <topic><suffix>}. Replaying a dead
 * letter after the cause is fixed is safe: the entities answer what was stored "already recorded".
 */
public final class DeadLetters {

  public static final String REASON = "medtrace-dlq-reason";
  public static final String MESSAGE = "medtrace-dlq-message";
  public static final String SOURCE_TOPIC = "medtrace-dlq-source-topic";
  public static final String SOURCE_PARTITION = "medtrace-dlq-source-partition";
  public static final String SOURCE_OFFSET = "medtrace-dlq-source-offset";
  public static final String TIME = "medtrace-dlq-time";

  /** Kafka headers are small by convention; a longer explanation is cut here, with a mark. */
  static final int MAX_MESSAGE_CHARS = 4000;

  private DeadLetters() {}

  public static ProducerRecord<byte[], byte[]> record(String suffix, SourceRecord source, MessageOutcome outcome, Instant now) {
    ItemOutcome.DeadLettered first = outcome.firstDeadLetter().orElseThrow(
        () -> new IllegalArgumentException("a stored message is no dead letter"));
    RecordHeaders headers = new RecordHeaders();
    for (Map.Entry<String, byte[]> header : source.headers().entrySet()) {
      headers.add(header.getKey(), header.getValue());
    }
    String message = outcome.summary();
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + " …(cut)";
    }
    headers.add(REASON, utf8(first.reasonCode()));
    headers.add(MESSAGE, utf8(message));
    headers.add(SOURCE_TOPIC, utf8(source.topic()));
    headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
    headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
    headers.add(TIME, utf8(now.toString()));
    return new ProducerRecord<>(source.topic() + suffix, null, source.key(), source.value(), headers);
  }

  private static byte[] utf8(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }
}
