package org.medtrace.actors.ledger;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * Asks to sharded entities whose replies carry on where they arrive, without a thread per reply.
 *
 * <p>Why: Pekko's Java {@code ask} returns Scala's {@code FutureConverters} wrapper, which turns
 * every non-async continuation ({@code thenApply}, {@code whenComplete}, ...) into its
 * {@code ...Async} form on the default executor. That is {@code ForkJoinPool.commonPool()}, unless
 * the common pool's parallelism is below 2 (any machine or container with at most 2 CPUs): then
 * {@code CompletableFuture} starts a new thread for every continuation. On the 2-core benchmark
 * machine that was one thread started and ended per ingested message (about 113,000 in one
 * benchmark run), a large share of the node's system CPU. A reply completed here runs the next
 * step on the thread that completed it (the replying entity's dispatcher thread), which is how the
 * Scala side chains it anyway.
 */
public final class Asks {

  private Asks() {}

  /** {@code ref.ask(message, timeout)}, as a plain future completed where the reply arrives. */
  public static <C, R> CompletableFuture<R> ask(EntityRef<C> ref, Function<ActorRef<R>, C> message, Duration timeout) {
    return inPlace(ref.ask(message::apply, timeout));
  }

  /**
   * A plain future completed with {@code stage}'s outcome on the thread that completes {@code
   * stage}; continuations of the returned future run there too, never on a thread of their own.
   */
  public static <T> CompletableFuture<T> inPlace(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    // whenCompleteAsync with an explicit executor is the one form the wrapper does not redirect.
    stage.whenCompleteAsync(
        (value, failure) -> {
          if (failure != null) {
            plain.completeExceptionally(failure);
          } else {
            plain.complete(value);
          }
        },
        Runnable::run);
    return plain;
  }
}
