package org.medtrace.ingest.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.medtrace.ingest.route.ItemOutcome;
import org.medtrace.ingest.route.MessageOutcome;
import org.medtrace.ingest.route.SourceRecord;

class DeadLettersTest {

  private static final SourceRecord SOURCE =
      new SourceRecord(
          "medtrace.lab-results", 2, 4711, "key".getBytes(StandardCharsets.UTF_8), "value".getBytes(StandardCharsets.UTF_8),
          Map.of("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8)));

  @Test
  void aDeadLetterKeepsTheMessageAndSaysWhyAndWhereFrom() {
    MessageOutcome outcome =
        new MessageOutcome(
            List.of(
                new ItemOutcome.Stored("event 1", 1, 0),
                new ItemOutcome.DeadLettered("event 2", "REFUSED_ILLEGAL_STATE", "cannot ship batch x: it is DESTROYED")));
    ProducerRecord<byte[], byte[]> record = DeadLetters.record(".dlq", SOURCE, outcome, Instant.parse("2026-11-03T10:00:00Z"));
    assertEquals("medtrace.lab-results.dlq", record.topic());
    assertArrayEquals(SOURCE.key(), record.key());
    assertArrayEquals(SOURCE.value(), record.value());
    assertEquals("REFUSED_ILLEGAL_STATE", header(record, DeadLetters.REASON));
    assertEquals("event 1: stored; event 2: REFUSED_ILLEGAL_STATE: cannot ship batch x: it is DESTROYED", header(record, DeadLetters.MESSAGE));
    assertEquals("medtrace.lab-results", header(record, DeadLetters.SOURCE_TOPIC));
    assertEquals("2", header(record, DeadLetters.SOURCE_PARTITION));
    assertEquals("4711", header(record, DeadLetters.SOURCE_OFFSET));
    assertEquals("2026-11-03T10:00:00Z", header(record, DeadLetters.TIME));
    assertEquals("00-abc", header(record, "traceparent"));
  }

  @Test
  void aLongExplanationIsCutAndAStoredMessageIsNoDeadLetter() {
    String longMessage = "x".repeat(10_000);
    MessageOutcome outcome = new MessageOutcome(List.of(new ItemOutcome.DeadLettered("m", "MALFORMED", longMessage)));
    String message = header(DeadLetters.record(".dlq", SOURCE, outcome, Instant.EPOCH), DeadLetters.MESSAGE);
    assertTrue(message.length() < DeadLetters.MAX_MESSAGE_CHARS + 20 && message.endsWith("(cut)"), message.length() + "");
    MessageOutcome stored = new MessageOutcome(List.of(new ItemOutcome.Stored("m", 1, 0)));
    assertThrows(IllegalArgumentException.class, () -> DeadLetters.record(".dlq", SOURCE, stored, Instant.EPOCH));
  }

  @Test
  void lagIsWhatTheGroupHasNotCommittedOverAllPartitions() {
    TopicPartition p0 = new TopicPartition("t", 0);
    TopicPartition p1 = new TopicPartition("t", 1);
    TopicPartition p2 = new TopicPartition("t", 2);
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
        Map.of(p0, end(100), p1, end(50), p2, end(7));
    Map<TopicPartition, OffsetAndMetadata> committed = Map.of(p0, new OffsetAndMetadata(90), p1, new OffsetAndMetadata(50));
    assertEquals(10 + 0 + 7, KafkaIngestPipeline.lag(ends, committed));
  }

  private static ListOffsetsResult.ListOffsetsResultInfo end(long offset) {
    return new ListOffsetsResult.ListOffsetsResultInfo(offset, -1, java.util.Optional.empty());
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }
}
