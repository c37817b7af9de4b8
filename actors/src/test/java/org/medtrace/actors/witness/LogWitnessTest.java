package org.medtrace.actors.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.medtrace.actors.ledger.EntityTestSupport.assertAccepted;
import static org.medtrace.actors.ledger.EntityTestSupport.assertIntact;
import static org.medtrace.actors.ledger.EntityTestSupport.assertRejected;
import static org.medtrace.actors.ledger.EntityTestSupport.party;
import static org.medtrace.actors.ledger.EntityTestSupport.storedEvents;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Alerts;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.EntityTestSupport;
import org.medtrace.actors.ledger.Rejection;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.witness.LogWitness.ForkKind;
import org.medtrace.ledger.v1.EventBody;
import org.medtrace.ledger.v1.LogForkDetected;
import org.medtrace.ledger.v1.LogForkKind;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogWitnessTest {

  private static final ActingParty WITNESS = party(Role.WITNESS, "health-authority", "witness");
  private static final String ORIGIN = "medtrace.example/ledger/slice-0";
  private static final String COSIGNED = "medtrace.example/ledger/slice-0\n6\nrootA=\n\n— medtrace.example/ledger sigA\n";
  private static final String FORKED = "medtrace.example/ledger/slice-0\n6\nrootB=\n\n— medtrace.example/ledger sigB\n";

  private final ActorTestKit testKit = EntityTestSupport.testKit();
  private final AtomicInteger ids = new AtomicInteger();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private record Witness(String entityId, EventSourcedBehaviorTestKit<LogWitness.Command, JournalRecord, LogWitness.State> kit) {
    CommandResult record(ActingParty party, ForkKind kind, String first, String second, String evidenceId, List<byte[]> proof) {
      return kit.<CommandResult>runCommand(r -> new LogWitness.RecordFork(ORIGIN, kind, 6, evidenceId, first, second, proof, party, r))
          .reply();
    }

    CommandResult recordFork(String first, String second) {
      return record(WITNESS, ForkKind.SAME_SIZE_DIFFERENT_ROOT, first, second, LogWitness.evidenceId(first, second), List.of());
    }

    List<ChainedEvent> events() {
      return storedEvents(kit, LogWitness.ENTITY_TYPE, entityId);
    }
  }

  private Witness witness() {
    String id = "witness-" + ids.incrementAndGet();
    return new Witness(id, EventSourcedBehaviorTestKit.create(testKit.system(), LogWitness.create(id, EntityTestSupport.settings(100))));
  }

  @Test
  void recordsAForkAsAnAlertCarryingTheWholeEvidence() {
    Witness witness = witness();

    assertAccepted(witness.recordFork(COSIGNED, FORKED));

    List<ChainedEvent> events = witness.events();
    assertEquals(1, events.size());
    EventBody body = events.get(0).body();
    assertTrue(Alerts.isAlert(body), "a detected fork is an alert");
    assertEquals(LogWitness.ENTITY_TYPE, body.getEntityType());
    assertEquals(LogWitness.evidenceId(COSIGNED, FORKED), body.getSourceMessageId());
    LogForkDetected fork = body.getLogForkDetected();
    assertEquals(witness.entityId(), fork.getWitness());
    assertEquals(ORIGIN, fork.getOrigin());
    assertEquals(LogForkKind.SAME_SIZE_DIFFERENT_ROOT, fork.getKind());
    assertEquals(6, fork.getTreeSize());
    assertEquals(COSIGNED, fork.getFirstNote());
    assertEquals(FORKED, fork.getSecondNote());
    assertEquals(Role.WITNESS.wireName(), body.getActingParty().getRole());
    assertIntact(witness.kit(), LogWitness.ENTITY_TYPE, witness.entityId());
  }

  @Test
  void recordsTheSameEvidenceOnceAndDistinctEvidenceEachTime() {
    Witness witness = witness();
    long first = assertAccepted(witness.recordFork(COSIGNED, FORKED)).sequenceNumber();

    CommandResult repeat = witness.recordFork(COSIGNED, FORKED);
    assertEquals(first, assertInstanceOf(CommandResult.AlreadyRecorded.class, repeat).sequenceNumber());
    assertAccepted(witness.recordFork(COSIGNED, FORKED + "another\n"));

    assertEquals(2, witness.events().size());
  }

  @Test
  void remembersRecordedEvidenceBeyondTheIdempotencyWindowAndAcrossARestart() {
    Witness witness = witness();
    assertAccepted(witness.recordFork(COSIGNED, FORKED));
    // More distinct forks than the idempotency window (1000) would take long; a restart shows the
    // evidence ids are part of the recovered state, not only of the window.
    witness.kit().restart();

    assertInstanceOf(CommandResult.AlreadyRecorded.class, witness.recordFork(COSIGNED, FORKED));
    assertEquals(1, witness.events().size());
    assertTrue(witness.kit().getState().forkSequenceNumbers().containsKey(LogWitness.evidenceId(COSIGNED, FORKED)));
  }

  @Test
  void keepsTheConsistencyProofOfAnInconsistentCheckpoint() {
    Witness witness = witness();
    byte[] hash = new byte[32];
    hash[0] = 7;
    String larger = "medtrace.example/ledger/slice-0\n8\nrootC=\n\n— medtrace.example/ledger sigC\n";

    assertAccepted(
        witness.record(WITNESS, ForkKind.INCONSISTENT_PROOF, COSIGNED, larger, LogWitness.evidenceId(COSIGNED, larger), List.of(hash)));

    LogForkDetected fork = witness.events().get(0).body().getLogForkDetected();
    assertEquals(LogForkKind.INCONSISTENT_PROOF, fork.getKind());
    assertEquals(1, fork.getConsistencyProofCount());
    assertEquals(7, fork.getConsistencyProof(0).byteAt(0));
  }

  @Test
  void refusesBadEvidenceAndOtherRolesAndStoresNothing() {
    Witness witness = witness();
    String id = LogWitness.evidenceId(COSIGNED, FORKED);

    assertRejected(Rejection.INVALID_INPUT, witness.record(WITNESS, ForkKind.SAME_SIZE_DIFFERENT_ROOT, COSIGNED, FORKED, "ab".repeat(32), List.of()));
    assertRejected(Rejection.INVALID_INPUT, witness.record(WITNESS, ForkKind.SAME_SIZE_DIFFERENT_ROOT, COSIGNED, COSIGNED, LogWitness.evidenceId(COSIGNED, COSIGNED), List.of()));
    assertRejected(Rejection.INVALID_INPUT, witness.record(WITNESS, ForkKind.SAME_SIZE_DIFFERENT_ROOT, COSIGNED, FORKED, id, List.of(new byte[32])));
    assertRejected(Rejection.INVALID_INPUT, witness.record(WITNESS, ForkKind.INCONSISTENT_PROOF, COSIGNED, FORKED, id, List.of(new byte[31])));
    assertRejected(Rejection.INVALID_INPUT, witness.record(WITNESS, null, COSIGNED, FORKED, id, List.of()));
    assertRejected(
        Rejection.FORBIDDEN,
        witness.record(party(Role.REGULATOR, "health-authority"), ForkKind.SAME_SIZE_DIFFERENT_ROOT, COSIGNED, FORKED, id, List.of()));

    assertEquals(0, witness.events().size());
  }
}
