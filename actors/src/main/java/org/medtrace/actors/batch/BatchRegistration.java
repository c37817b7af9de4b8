package org.medtrace.actors.batch;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Asks;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Fields;
import org.medtrace.actors.ledger.Rejection;

/**
 * Registers a drug batch together with its unit serials: claims the serials in the {@link
 * UnitIndex} first, then registers the batch on the ledger. Every way of registering a batch (the
 * HTTP API, EPCIS commissioning events) goes through here, so that no batch's units are missing from
 * the index.
 *
 * <p>A serial held by another lot refuses the registration before anything is written to the
 * ledger. A registration the ledger refuses withdraws the claims it made. One whose outcome is unknown (a
 * timeout) keeps them: the retry, with the same source message id, finds them its own.
 */
public final class BatchRegistration {

  private final ClusterSharding sharding;
  private final UnitIndex unitIndex;
  private final Duration askTimeout;

  public BatchRegistration(ClusterSharding sharding, UnitIndex unitIndex, Duration askTimeout) {
    this.sharding = sharding;
    this.unitIndex = unitIndex;
    this.askTimeout = askTimeout;
  }

  /** What {@link DrugBatch.Register} says, before there is anyone to reply to. */
  public record Registration(
      String productName,
      LocalDate expiryDate,
      long quantity,
      String qcReportSha256,
      DrugBatch.TemperatureRange temperatureRange,
      List<String> unitSerials,
      ActingParty party,
      String sourceMessageId) {

    public Registration {
      unitSerials = unitSerials == null ? List.of() : List.copyOf(unitSerials);
    }

    DrugBatch.Register toCommand(ActorRef<CommandResult> replyTo) {
      return new DrugBatch.Register(
          productName, expiryDate, quantity, qcReportSha256, temperatureRange, unitSerials, party, sourceMessageId, replyTo);
    }
  }

  /**
   * Registers batch {@code id}. Completes with the ledger's reply, or with a {@code
   * BUSINESS_RULE} rejection naming the serials other lots hold; fails when the index or the
   * ledger cannot be reached (nothing acknowledged).
   */
  public CompletionStage<CommandResult> register(BatchId id, Registration registration) {
    List<String> serials = registration.unitSerials();
    boolean indexable = serials.stream().noneMatch(Fields::isBlank);
    CompletionStage<UnitIndex.Claim> claimed =
        indexable
            ? unitIndex.claim(id, serials)
            : CompletableFuture.completedFuture(new UnitIndex.Claim(List.of(), List.of()));
    return claimed.thenCompose(
        claim -> {
          List<UnitIndex.Conflict> conflicts = claim.conflicts();
          if (!conflicts.isEmpty()) {
            return CompletableFuture.completedFuture(
                new CommandResult.Rejected(
                    Rejection.BUSINESS_RULE,
                    "unit serial(s) of GTIN "
                        + id.gtin()
                        + " already belong to other lots: "
                        + conflicts.stream()
                            .map(c -> c.serial() + " (lot " + c.lot() + ")")
                            .collect(Collectors.joining(", "))));
          }
          return Asks.<DrugBatch.Command, CommandResult>ask(
                  sharding.entityRefFor(DrugBatch.TYPE_KEY, id.entityId()), registration::toCommand, askTimeout)
              .thenCompose(
                  reply -> {
                    // Only this call's claims: a refused second registration of a lot must not
                    // withdraw the serials its first registration holds.
                    if (reply instanceof CommandResult.Rejected && !claim.newlyClaimed().isEmpty()) {
                      return unitIndex.release(id, claim.newlyClaimed()).thenApply(done -> reply);
                    }
                    return CompletableFuture.completedFuture(reply);
                  });
        });
  }
}
