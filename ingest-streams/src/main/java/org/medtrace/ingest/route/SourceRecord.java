package org.medtrace.ingest.route;

import java.util.Map;

/**
 * A message as a decoder sees it: a Kafka record without the consumer around it, so decoders run
 * from plain lists in tests and from the HTTP API as well.
 *
 * @param topic the topic it came from ("" for messages that did not come over Kafka)
 * @param key the record key, or null
 * @param headers the record headers by name (the last value of a repeated header)
 */
public record SourceRecord(
    String topic, int partition, long offset, byte[] key, byte[] value, Map<String, byte[]> headers) {

  public SourceRecord {
    headers = Map.copyOf(headers);
    value = value == null ? new byte[0] : value;
  }

  /** A message with only a value, for tests and for messages that did not come over Kafka. */
  public static SourceRecord ofValue(byte[] value) {
    return new SourceRecord("", 0, -1, null, value, Map.of());
  }

  /** "topic-partition@offset", to name the record in logs. */
  public String position() {
    return topic + "-" + partition + "@" + offset;
  }
}
