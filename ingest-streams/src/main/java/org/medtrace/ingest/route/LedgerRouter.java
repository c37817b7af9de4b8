package org.medtrace.ingest.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.medtrace.actors.batch.BatchId;
import org.medtrace.actors.batch.BatchRegistration;
import org.medtrace.actors.batch.DrugBatch;
import org.medtrace.actors.batch.UnitIndex;
import org.medtrace.actors.ledger.Asks;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.ingest.IngestMetrics;

/**
 * Routes decoded messages to their sharded entities with {@code ask} and turns the replies into a
 * decision per message.
 *
 * <p>An item's commands are asked one after the other (a later one may depend on an earlier one,
 * e.g. commissioning then shipping the same batch); the first refusal stops the item. A failed ask
 * (timeout, no shard) MUST fail the returned stage: the message was neither stored nor refused, so
 * the pipeline must not commit it, only retry it.
 */
public final class LedgerRouter {

  /** Sends one command to its entity and completes with the entity's reply. */
  @FunctionalInterface
  public interface EntityAsk {
    <C> CompletionStage<CommandResult> ask(RoutedCommand<C> command);
  }

  private final EntityAsk entities;
  private final IngestMetrics metrics;
  private final String pipeline;

  public LedgerRouter(EntityAsk entities, IngestMetrics metrics, String pipeline) {
    this.entities = entities;
    this.metrics = metrics;
    this.pipeline = pipeline;
  }

  /**
   * Asks through cluster sharding, failing an ask that gets no reply within {@code timeout}. A
   * batch registration goes through {@link BatchRegistration} instead, the one way every batch is
   * registered, so that its unit serials are claimed in the unit index first.
   */
  public static EntityAsk sharded(ActorSystem<?> system, Duration timeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    BatchRegistration registrations = new BatchRegistration(sharding, UnitIndex.onCassandra(system), timeout);
    return new EntityAsk() {
      @Override
      public <C> CompletionStage<CommandResult> ask(RoutedCommand<C> command) {
        if (command.typeKey().equals(DrugBatch.TYPE_KEY)
            // Built without a reply address only to read what it asks; never sent.
            && command.command().apply(null) instanceof DrugBatch.Register register) {
          return registrations.register(BatchId.fromEntityId(command.entityId()), registration(register));
        }
        return Asks.ask(sharding.entityRefFor(command.typeKey(), command.entityId()), command.command()::apply, timeout);
      }
    };
  }

  private static BatchRegistration.Registration registration(DrugBatch.Register register) {
    return new BatchRegistration.Registration(
        register.productName(),
        register.expiryDate(),
        register.quantity(),
        register.qcReportSha256(),
        register.temperatureRange(),
        register.unitSerials(),
        register.party(),
        register.sourceMessageId());
  }

  public String pipeline() {
    return pipeline;
  }

  /** The outcome of every item of {@code message}, items in order. */
  public CompletionStage<MessageOutcome> route(DecodedMessage message) {
    CompletionStage<List<ItemOutcome>> outcomes = CompletableFuture.completedFuture(new ArrayList<>());
    for (DecodedItem item : message.items()) {
      outcomes =
          outcomes.thenCompose(
              done ->
                  routeItem(item)
                      .thenApply(
                          outcome -> {
                            done.add(outcome);
                            return done;
                          }));
    }
    return outcomes.thenApply(MessageOutcome::new);
  }

  private CompletionStage<ItemOutcome> routeItem(DecodedItem item) {
    if (item instanceof DecodedItem.Undecodable undecodable) {
      return CompletableFuture.completedFuture(
          new ItemOutcome.DeadLettered(
              undecodable.label(), undecodable.reason().name(), undecodable.message()));
    }
    if (item instanceof DecodedItem.SignatureRefused refused) {
      return CompletableFuture.completedFuture(new ItemOutcome.DeadLettered(refused.label(), refused.reason().name(), refused.message()));
    }
    DecodedItem.Routable routable = (DecodedItem.Routable) item;
    return askInOrder(routable, 0, 0, 0);
  }

  private CompletionStage<ItemOutcome> askInOrder(
      DecodedItem.Routable item, int index, int accepted, int alreadyRecorded) {
    if (index == item.commands().size()) {
      return CompletableFuture.completedFuture(
          new ItemOutcome.Stored(item.label(), accepted, alreadyRecorded));
    }
    RoutedCommand<?> command = item.commands().get(index);
    return timedAsk(command)
        .thenCompose(
            reply -> {
              if (reply instanceof CommandResult.Accepted) {
                return askInOrder(item, index + 1, accepted + 1, alreadyRecorded);
              }
              if (reply instanceof CommandResult.AlreadyRecorded) {
                return askInOrder(item, index + 1, accepted, alreadyRecorded + 1);
              }
              CommandResult.Rejected rejected = (CommandResult.Rejected) reply;
              return CompletableFuture.completedFuture(
                  new ItemOutcome.DeadLettered(
                      item.label(),
                      refusalCode(rejected),
                      command.description() + " refused: " + rejected.message()));
            });
  }

  private CompletionStage<CommandResult> timedAsk(RoutedCommand<?> command) {
    long started = System.nanoTime();
    metrics.askStarted(pipeline);
    CompletionStage<CommandResult> reply;
    try {
      reply = entities.ask(command);
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    return reply.whenComplete(
        (result, failure) -> metrics.askFinished(pipeline, (System.nanoTime() - started) / 1e9));
  }

  /** The reason code of a refusal: {@code REFUSED_} and the entity's rejection kind. */
  public static String refusalCode(CommandResult.Rejected rejected) {
    return "REFUSED_" + rejected.reason().name();
  }
}
