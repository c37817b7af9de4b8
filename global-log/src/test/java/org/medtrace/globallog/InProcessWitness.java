package org.medtrace.globallog;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.InMemoryWitnessState;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.Witness;
import org.medtrace.merkle.note.WitnessPolicy;
import org.medtrace.merkle.note.WitnessResponse;
import org.medtrace.merkle.witness.CheckpointWitnesses;
import org.medtrace.merkle.witness.WitnessingResult;

/**
 * One merkle-log {@link Witness} behind {@link CheckpointWitnesses} (quorum 1), in process. Like the
 * HTTP collector, it gives a witness that last cosigned another size than {@code oldSize} a proof
 * from its own size, taken from the slice's stored tree. It can hang: while it does, every request
 * is held unanswered, as by a witness that is stuck.
 */
final class InProcessWitness implements CheckpointWitnesses {

  private final Witness witness;
  private final InMemoryWitnessState state = new InMemoryWitnessState();
  private final WitnessPolicy policy;
  private final SliceConsistencyProofs proofs;
  private final List<Long> oldSizes = new CopyOnWriteArrayList<>();
  private final List<Runnable> held = new ArrayList<>();
  private boolean hanging;

  /** A witness of {@code slice} of the log signed by {@code logKey}. */
  InProcessWitness(NoteKey logKey, int slice, LogTables tables) {
    NoteSigner cosigner = NoteSigner.generate("regulator.example/witness", SignatureType.COSIGNATURE_V1);
    witness = new Witness(cosigner, Map.of(LogFormat.sliceOrigin(logKey.name(), slice), logKey), state, Clock.systemUTC());
    policy = new WitnessPolicy(1, List.of(cosigner.verifierKey()));
    proofs = new SliceConsistencyProofs(tables, logKey.name());
  }

  @Override
  public CompletionStage<WitnessingResult> cosign(String signedCheckpoint, long oldSize, List<byte[]> consistencyProof) {
    oldSizes.add(oldSize);
    synchronized (this) {
      if (hanging) {
        CompletableFuture<WitnessingResult> answer = new CompletableFuture<>();
        held.add(() -> answer.complete(answer(signedCheckpoint, oldSize, consistencyProof)));
        return answer;
      }
    }
    return CompletableFuture.completedFuture(answer(signedCheckpoint, oldSize, consistencyProof));
  }

  @Override
  public WitnessPolicy policy() {
    return policy;
  }

  /** The {@code oldSize} of every request so far, in order. */
  List<Long> oldSizes() {
    return List.copyOf(oldSizes);
  }

  synchronized void hang() {
    hanging = true;
  }

  /** Answers the requests from now on; those held while it hung stay unanswered. */
  synchronized void resume() {
    hanging = false;
    held.clear();
  }

  /** Answers the requests held while it hung (late), and those from now on. */
  void resumeAndAnswerHeld() {
    List<Runnable> late;
    synchronized (this) {
      hanging = false;
      late = List.copyOf(held);
      held.clear();
    }
    late.forEach(Runnable::run);
  }

  private WitnessingResult answer(String signedCheckpoint, long oldSize, List<byte[]> consistencyProof) {
    try {
      SignedNote note = SignedNote.parse(signedCheckpoint);
      Checkpoint checkpoint = Checkpoint.parse(note.text());
      Optional<String> last = state.lastCosigned(checkpoint.origin());
      long witnessSize = last.isEmpty() ? 0 : Checkpoint.parse(SignedNote.parse(last.get()).text()).size();
      List<byte[]> proof;
      if (witnessSize == oldSize) {
        proof = consistencyProof;
      } else if (witnessSize == 0 || witnessSize == checkpoint.size()) {
        proof = List.of();
      } else {
        proof = proofs.between(checkpoint.origin(), witnessSize, checkpoint.size());
      }
      WitnessResponse response = witness.submit(signedCheckpoint, proof);
      List<NoteSignature> cosignatures =
          response instanceof WitnessResponse.Cosigned cosigned ? List.of(cosigned.cosignature()) : List.of();
      for (NoteSignature cosignature : cosignatures) {
        note = note.withSignature(cosignature);
      }
      return new WitnessingResult(note.format(), cosignatures, Map.of(), policy.evaluate(note));
    } catch (NoteException e) {
      throw new IllegalStateException(e);
    }
  }
}
