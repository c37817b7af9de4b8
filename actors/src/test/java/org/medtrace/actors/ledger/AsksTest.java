package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import scala.concurrent.Promise;
import scala.jdk.javaapi.FutureConverters;

/**
 * A reply converted from Scala (as Pekko's Java {@code ask} returns it) carries on on the thread
 * that completed it, not on a thread of its own.
 */
class AsksTest {

  @Test
  void aContinuationRunsOnTheThreadThatCompletedTheReply() throws Exception {
    Promise<String> reply = Promise.apply();
    CompletionStage<String> fromScala = FutureConverters.asJava(reply.future());
    CompletableFuture<Thread> ranOn = Asks.inPlace(fromScala).thenApply(value -> Thread.currentThread());

    Thread replier = new Thread(() -> reply.success("stored"), "the-replying-entity");
    replier.start();
    replier.join();

    assertSame(replier, ranOn.get(10, TimeUnit.SECONDS));
  }

  @Test
  void aFailedReplyFailsTheFutureWithItsCause() {
    Promise<String> reply = Promise.apply();
    CompletableFuture<String> plain = Asks.inPlace(FutureConverters.asJava(reply.future()));

    TimeoutException timeout = new TimeoutException("no reply within 10 s");
    reply.failure(timeout);

    CompletionException failed = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, plain::join);
    assertSame(timeout, failed.getCause());
    assertEquals(true, plain.isCompletedExceptionally());
  }
}
