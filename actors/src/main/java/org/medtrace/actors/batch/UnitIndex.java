package org.medtrace.actors.batch;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.medtrace.actors.ledger.JournalKeyspace;

/**
 * Which lot each unit belongs to: (GTIN, serial) → lot, so that a pharmacist scanning one unit
 * finds its batch. A GS1 serial is unique within its GTIN, so the first lot to claim a serial keeps
 * it, and a second claim is refused: a serial commissioned twice is a counterfeit or a data error.
 *
 * <p>The index is derived data: the ledger's {@code BatchRegistered} events list every batch's
 * serials, and an index row whose lot never got registered means nothing (readers check the
 * batch). Claims are lightweight transactions ({@code IF NOT EXISTS}), so two lots racing for one
 * serial cannot both win.
 */
public final class UnitIndex {

  private final CassandraSession session;
  private final String table;

  private UnitIndex(JournalKeyspace keyspace) {
    this.session = keyspace.session();
    this.table = keyspace.table("unit_index");
  }

  /** The index in the journal keyspace, through the journal plugin's Cassandra session. */
  public static UnitIndex onCassandra(ActorSystem<?> system) {
    return new UnitIndex(JournalKeyspace.of(system));
  }

  /** A serial that another lot claimed first. */
  public record Conflict(String serial, String lot) {}

  /**
   * What a claim did.
   *
   * @param newlyClaimed serials this call claimed (not those the lot held already)
   * @param conflicts serials other lots hold; when there are any, this call's claims are withdrawn
   */
  public record Claim(List<String> newlyClaimed, List<Conflict> conflicts) {}

  private record ClaimOutcome(String serial, boolean applied, String holder) {}

  /**
   * Claims {@code serials} of {@code batch}'s GTIN for its lot. Claiming again for the same lot
   * succeeds (a retry); when other lots hold some of them, they are returned as conflicts and this
   * call's own new claims are withdrawn, so a refused claim changes nothing.
   */
  public CompletionStage<Claim> claim(BatchId batch, List<String> serials) {
    List<CompletableFuture<ClaimOutcome>> claims = new ArrayList<>(serials.size());
    for (String serial : serials) {
      SimpleStatement insert =
          SimpleStatement.newInstance(
                  "INSERT INTO " + table + " (gtin, serial, lot) VALUES (?, ?, ?) IF NOT EXISTS",
                  batch.gtin(),
                  serial,
                  batch.lot())
              .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
              .setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL);
      claims.add(
          session
              .selectOne(insert)
              .thenApply(
                  row -> {
                    // An LWT answers [applied] and, when not applied, the existing row.
                    boolean applied = row.map(r -> r.getBoolean("[applied]")).orElse(false);
                    String holder = applied ? batch.lot() : row.map(r -> r.getString("lot")).orElse("");
                    return new ClaimOutcome(serial, applied, holder);
                  })
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(claims.toArray(CompletableFuture[]::new))
        .thenCompose(
            all -> {
              List<ClaimOutcome> outcomes = claims.stream().map(CompletableFuture::join).toList();
              List<String> newlyClaimed = outcomes.stream().filter(ClaimOutcome::applied).map(ClaimOutcome::serial).toList();
              List<Conflict> conflicts =
                  outcomes.stream()
                      .filter(o -> !o.holder().equals(batch.lot()))
                      .map(o -> new Conflict(o.serial(), o.holder()))
                      .toList();
              if (conflicts.isEmpty()) {
                return CompletableFuture.completedFuture(new Claim(newlyClaimed, conflicts));
              }
              return release(batch, newlyClaimed).thenApply(done -> new Claim(List.of(), conflicts));
            });
  }

  /** Withdraws {@code batch}'s claims on {@code serials} (those another lot holds stay as they are). */
  public CompletionStage<Done> release(BatchId batch, List<String> serials) {
    List<CompletableFuture<Done>> deletes = new ArrayList<>(serials.size());
    for (String serial : serials) {
      SimpleStatement delete =
          SimpleStatement.newInstance(
                  "DELETE FROM " + table + " WHERE gtin = ? AND serial = ? IF lot = ?", batch.gtin(), serial, batch.lot())
              .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
              .setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL);
      deletes.add(session.executeWrite(delete).toCompletableFuture());
    }
    return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).thenApply(all -> Done.getInstance());
  }

  /** The lot that holds unit {@code serial} of {@code gtin}, if any claimed it. */
  public CompletionStage<Optional<String>> lotOf(String gtin, String serial) {
    return session
        .selectOne(
            SimpleStatement.newInstance("SELECT lot FROM " + table + " WHERE gtin = ? AND serial = ?", gtin, serial)
                .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM))
        .thenApply(row -> row.map(r -> r.getString("lot")));
  }
}
