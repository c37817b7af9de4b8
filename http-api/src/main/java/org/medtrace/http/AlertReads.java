package org.medtrace.http;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The events of one tag since an instant, read straight from the journal plugin's tag view (table
 * {@code tag_views}: a partition per tag and time bucket, rows in timestamp order) instead of through
 * the plugin's {@code currentEventsByTag}. That query waits the plugin's {@code
 * eventual-consistency-delay} (5 s) before it completes, however little it finds, and reads the
 * buckets (an hour each) one after another from the first to the current one: on a development
 * node with no alert stored, alerts since the start of the day took 5.2 s and since a year ago
 * 9.5 s, and the time grows with the span, past the query timeout on a busy node.
 *
 * <p>This reads {@code parallelReads} buckets at a time, in order, and at most {@code maxSpan} of
 * them per call: a call that stops short of now says where the next one starts. It answers without
 * waiting, so an alert whose tag row is written a moment after a later one's (the journal writes
 * them as entities persist, on every node) can appear after that later one: a client that polls
 * starts its next read a few seconds before the newest alert it has and skips the ones it has (an
 * entity and a sequence number name an alert).
 */
final class AlertReads {

  /** One stored event of the tag, as the journal's serializer read it. */
  record TaggedEvent(String persistenceId, long sequenceNr, long timestampMillis, Object event) {}

  /**
   * Events of the tag, oldest first.
   *
   * @param nextSince where the next read continues, present when there may be more already stored:
   *     the page is full (then events of its last millisecond can come again) or the read stopped at
   *     {@code maxSpan} before now
   */
  record Page(List<TaggedEvent> events, Optional<Instant> nextSince) {}

  private static final DateTimeFormatter FIRST_TIME_BUCKET = DateTimeFormatter.ofPattern("yyyyMMdd'T'HH:mm");

  private final ActorSystem<?> system;
  private final CassandraSession session;
  private final Serialization serialization;
  private final String tag;
  private final Duration maxSpan;
  private final int parallelReads;
  private final Duration timeout;
  private final long bucketMillis;
  private final Instant firstTimeBucket;
  private final String readProfile;
  private final PreparedOnDemand selectBucket;

  /** @param timeout how long one call may read; past it the read stops and fails with a {@link java.util.concurrent.TimeoutException} */
  AlertReads(ActorSystem<?> system, String tag, Duration maxSpan, int parallelReads, Duration timeout) {
    Config plugin = system.settings().config().getConfig(JournalPages.JOURNAL_PLUGIN);
    this.system = system;
    this.session = CassandraSessionRegistry.get(system).sessionFor(JournalPages.JOURNAL_PLUGIN);
    this.serialization = SerializationExtension.get(system);
    this.tag = tag;
    this.maxSpan = maxSpan;
    this.parallelReads = parallelReads;
    this.timeout = timeout;
    this.bucketMillis = bucketMillis(plugin.getString("events-by-tag.bucket-size"));
    this.firstTimeBucket =
        LocalDateTime.parse(plugin.getString("events-by-tag.first-time-bucket"), FIRST_TIME_BUCKET).toInstant(ZoneOffset.UTC);
    this.readProfile = plugin.getString("query.read-profile");
    // Rows of one tag view partition between two time UUIDs, as the plugin's own bucket query.
    this.selectBucket =
        new PreparedOnDemand(
            session,
            "SELECT persistence_id, sequence_nr, timestamp, ser_id, ser_manifest, event FROM "
                + plugin.getString("journal.keyspace") + "." + plugin.getString("events-by-tag.table")
                + " WHERE tag_name = ? AND timebucket = ? AND timestamp >= ? AND timestamp <= ? LIMIT ?");
  }

  /** The plugin's bucket sizes ({@code events-by-tag.bucket-size}). */
  static long bucketMillis(String bucketSize) {
    return switch (bucketSize) {
      case "Day" -> Duration.ofDays(1).toMillis();
      case "Hour" -> Duration.ofHours(1).toMillis();
      case "Minute" -> Duration.ofMinutes(1).toMillis();
      case "Second" -> Duration.ofSeconds(1).toMillis();
      default -> throw new IllegalArgumentException("unknown events-by-tag.bucket-size " + bucketSize);
    };
  }

  /**
   * The tag's events stored at or after {@code since} and at or before {@code now}, oldest first, at
   * most {@code limit}, from at most {@code maxSpan} of time; nothing before the plugin's {@code
   * first-time-bucket}, where its own queries start too.
   */
  CompletionStage<Page> since(Instant since, int limit, Instant now) {
    Instant from = since.isBefore(firstTimeBucket) ? firstTimeBucket : since;
    Instant spanEnd = from.plus(maxSpan);
    Instant to = spanEnd.isBefore(now) ? spanEnd : now;
    List<Long> buckets = buckets(from.toEpochMilli(), to.toEpochMilli(), bucketMillis);
    UUID fromUuid = Uuids.startOf(from.toEpochMilli());
    UUID toUuid = Uuids.endOf(to.toEpochMilli());
    return selectBucket
        .get()
        .thenCompose(
            statement ->
                Source.from(buckets)
                    .mapAsync(
                        parallelReads,
                        bucket ->
                            session.selectAll(
                                statement.bind(tag, bucket, fromUuid, toUuid, limit).setExecutionProfileName(readProfile)))
                    .mapConcat(rows -> rows)
                    .take(limit)
                    .map(this::taggedEvent)
                    .completionTimeout(timeout)
                    .runWith(Sink.seq(), system))
        .thenApply(
            events -> {
              Optional<Instant> nextSince =
                  events.size() == limit
                      ? Optional.of(Instant.ofEpochMilli(events.get(events.size() - 1).timestampMillis()))
                      : to.isBefore(now) ? Optional.of(Instant.ofEpochMilli(to.toEpochMilli() + 1)) : Optional.empty();
              return new Page(events, nextSince);
            });
  }

  /** The keys of the buckets from the one holding {@code fromMillis} to the one holding {@code toMillis}, as the plugin computes them. */
  static List<Long> buckets(long fromMillis, long toMillis, long bucketMillis) {
    List<Long> buckets = new ArrayList<>();
    for (long bucket = fromMillis / bucketMillis * bucketMillis; bucket <= toMillis; bucket += bucketMillis) {
      buckets.add(bucket);
    }
    return buckets;
  }

  private TaggedEvent taggedEvent(Row row) {
    return new TaggedEvent(
        row.getString("persistence_id"),
        row.getLong("sequence_nr"),
        Uuids.unixTimestamp(row.getUuid("timestamp")),
        JournalPages.event(serialization, row));
  }
}
