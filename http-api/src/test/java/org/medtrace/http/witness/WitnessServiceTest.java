package org.medtrace.http.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.medtrace.merkle.note.Cosignature;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.WitnessResponse.Reason;

/** The witness service's rules, on an in-memory store (the Cassandra store is tested through HTTP). */
class WitnessServiceTest {

  private static final String WITNESS = "health-authority";

  private final TestLog log = new TestLog("medtrace.example/ledger", "medtrace.example/ledger/slice-3");
  private final NoteSigner cosigner = NoteSigner.generate(WITNESS, SignatureType.COSIGNATURE_V1);
  private final InMemoryWitnessStore store = new InMemoryWitnessStore();
  private final List<WitnessFork> alarms = new ArrayList<>();
  /** Every call to record an alert, as the ledger would be asked (it keeps one per evidence id). */
  private final List<WitnessFork> alertsRecorded = new ArrayList<>();
  private boolean ledgerDown;
  private final WitnessService service =
      new WitnessService(
          cosigner,
          Map.of(log.origin, log.signer.verifierKey()),
          store,
          (witness, fork) -> alarms.add(fork),
          (witness, fork) -> {
            if (ledgerDown) {
              return CompletableFuture.failedFuture(new TimeoutException("the ledger did not answer"));
            }
            alertsRecorded.add(fork);
            return CompletableFuture.completedFuture(null);
          },
          Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC),
          Duration.ofSeconds(5));

  private WitnessService.Outcome add(long oldSize, List<byte[]> proof, String checkpoint) throws Exception {
    return service.addCheckpoint(oldSize, proof, checkpoint).toCompletableFuture().get();
  }

  private long witnessSize() throws Exception {
    return store.latest(WITNESS, log.origin).toCompletableFuture().get().map(note -> note.split("\n")[1]).map(Long::parseLong).orElse(0L);
  }

  @Test
  void cosignsTheFirstCheckpointAndThenOnlyConsistentGrowth() throws Exception {
    String first = log.grow(5, "a").checkpoint();
    WitnessService.Outcome.Cosigned cosigned = assertInstanceOf(WitnessService.Outcome.Cosigned.class, add(0, List.of(), first));
    assertEquals(5, cosigned.size());
    SignedNote withCosignature = SignedNote.parse(first + cosigned.cosignatureLines());
    Cosignature.verify(cosigner.verifierKey(), withCosignature.text(), withCosignature.signatureOf(cosigner.verifierKey()).orElseThrow());

    String second = log.grow(8, "b").checkpoint();
    assertInstanceOf(WitnessService.Outcome.Cosigned.class, add(5, log.proof(5, 13), second));
    assertEquals(13, witnessSize());
    // The same checkpoint again: same size, same root, cosigned again.
    assertInstanceOf(WitnessService.Outcome.Cosigned.class, add(13, List.of(), second));
    assertTrue(alarms.isEmpty());
  }

  @Test
  void answersAStaleOldSizeWithItsOwnSizeAndChangesNothing() throws Exception {
    add(0, List.of(), log.grow(4, "a").checkpoint());
    String later = log.grow(3, "b").checkpoint();

    WitnessService.Outcome.SizeMismatch mismatch = assertInstanceOf(WitnessService.Outcome.SizeMismatch.class, add(2, log.proof(2, 7), later));

    assertEquals(4, mismatch.witnessSize());
    assertEquals(4, witnessSize());
  }

  @Test
  void refusesUnknownLogsBadSignaturesAndMalformedRequestsWithTheirReason() throws Exception {
    TestLog stranger = new TestLog("other.example/log", "other.example/log/slice-0");
    assertEquals(Reason.UNKNOWN_LOG, refusal(add(0, List.of(), stranger.grow(2, "x").checkpoint())));

    TestLog impostor = new TestLog("medtrace.example/ledger", log.origin); // same name, another key
    assertEquals(Reason.UNKNOWN_LOG, refusal(add(0, List.of(), impostor.grow(2, "x").checkpoint())));

    String genuine = log.grow(2, "a").checkpoint();
    String tampered = genuine.replaceFirst("\n2\n", "\n3\n");
    assertEquals(Reason.BAD_LOG_SIGNATURE, refusal(add(0, List.of(), tampered)));

    assertEquals(Reason.MALFORMED, refusal(add(0, List.of(), "not a note")));
    assertEquals(Reason.MALFORMED, refusal(add(5, List.of(), genuine))); // oldSize above the checkpoint's size
    assertEquals(0, witnessSize());
    assertTrue(alarms.isEmpty());
  }

  @Test
  void storesAnInconsistentProofOfASignedCheckpointAsEvidenceOnceAndKeepsItsState() throws Exception {
    String first = log.grow(4, "a").checkpoint();
    add(0, List.of(), first);
    String later = log.grow(4, "b").checkpoint();
    List<byte[]> wrongProof = log.proof(3, 8); // a proof from another size

    WitnessService.Outcome.ForkRecorded recorded = assertInstanceOf(WitnessService.Outcome.ForkRecorded.class, add(4, wrongProof, later));
    add(4, wrongProof, later);

    assertEquals(WitnessFork.Kind.INCONSISTENT_PROOF, recorded.fork().kind());
    assertEquals(first, recorded.fork().firstNote());
    assertEquals(later, recorded.fork().secondNote());
    assertEquals(1, alarms.size(), "the same pair is alarmed once");
    assertEquals(4, witnessSize());
    // The right proof still gets the checkpoint cosigned.
    assertInstanceOf(WitnessService.Outcome.Cosigned.class, add(4, log.proof(4, 8), later));
  }

  @Test
  void storesTwoRootsForOneSizeAsForkEvidenceAndAlarms() throws Exception {
    String cosigned = log.grow(6, "a").checkpoint();
    add(0, List.of(), cosigned);
    String fork = log.forkedCheckpoint(6);

    WitnessService.Outcome.ForkRecorded recorded = assertInstanceOf(WitnessService.Outcome.ForkRecorded.class, add(6, List.of(), fork));

    assertEquals(WitnessFork.Kind.SAME_SIZE_DIFFERENT_ROOT, recorded.fork().kind());
    assertEquals(List.of(recorded.fork()), alarms);
    assertEquals(List.of(recorded.fork()), alertsRecorded);
    assertEquals(List.of(recorded.fork()), service.forks(10).toCompletableFuture().get());
    assertEquals(cosigned, store.latest(WITNESS, log.origin).toCompletableFuture().get().orElseThrow());
  }

  @Test
  void recordsTheAlertOnEveryShowingOfAForkAndFailsWhileItCannot() throws Exception {
    add(0, List.of(), log.grow(6, "a").checkpoint());
    String fork = log.forkedCheckpoint(6);
    ledgerDown = true;

    ExecutionException failure = assertThrows(ExecutionException.class, () -> add(6, List.of(), fork));
    assertInstanceOf(TimeoutException.class, failure.getCause());
    assertEquals(1, store.forks(WITNESS, 10).toCompletableFuture().get().size(), "the evidence is kept");
    assertEquals(1, alarms.size(), "the operators' alarm does not wait for the ledger");
    assertTrue(alertsRecorded.isEmpty());

    ledgerDown = false;
    WitnessService.Outcome.ForkRecorded retried = assertInstanceOf(WitnessService.Outcome.ForkRecorded.class, add(6, List.of(), fork));
    add(6, List.of(), fork);

    // The stored evidence is not new any more, yet its alert is recorded on each showing (the
    // ledger keeps one per evidence id); the operators' alarm stays at one.
    assertEquals(List.of(retried.fork(), retried.fork()), alertsRecorded);
    assertEquals(1, alarms.size());
  }

  @Test
  void theSweepRecordsTheAlertOfStoredEvidenceThatNoLogShowsAgain() throws Exception {
    add(0, List.of(), log.grow(6, "a").checkpoint());
    ledgerDown = true;
    assertThrows(ExecutionException.class, () -> add(6, List.of(), log.forkedCheckpoint(6)));
    assertThrows(ExecutionException.class, () -> service.alertStoredForks().toCompletableFuture().get());
    assertTrue(alertsRecorded.isEmpty());

    ledgerDown = false;
    int swept = service.alertStoredForks().toCompletableFuture().get();

    assertEquals(1, swept);
    assertEquals(store.forks(WITNESS, 10).toCompletableFuture().get(), alertsRecorded);
  }

  @Test
  void ofTwoRequestsThatReadTheSameStateOnlyOneAdvancesIt() throws Exception {
    add(0, List.of(), log.grow(2, "a").checkpoint());
    String winner = log.grow(2, "b").checkpoint();
    // Another node cosigns size 4 between this request's read and its write.
    store.beforeAdvance = () -> store.put(WITNESS, log.origin, winner);
    String loser = log.grow(3, "c").checkpoint();

    WitnessService.Outcome.SizeMismatch mismatch = assertInstanceOf(WitnessService.Outcome.SizeMismatch.class, add(2, log.proof(2, 7), loser));

    assertEquals(4, mismatch.witnessSize());
    assertEquals(winner, store.latest(WITNESS, log.origin).toCompletableFuture().get().orElseThrow());
  }

  @Test
  void returnsNoCosignatureWhenTheStateCannotBeStored() {
    store.failWrites = true;
    String checkpoint = log.grow(2, "a").checkpoint();

    ExecutionException failure = assertThrows(ExecutionException.class, () -> add(0, List.of(), checkpoint));
    assertEquals("the store is down", failure.getCause().getMessage());
  }

  private static Reason refusal(WitnessService.Outcome outcome) {
    return assertInstanceOf(WitnessService.Outcome.Refused.class, outcome).reason();
  }

}
