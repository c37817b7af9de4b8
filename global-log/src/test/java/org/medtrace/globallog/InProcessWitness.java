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
 * merkle-log {@link Witness}es behind {@link CheckpointWitnesses}, in process: one (quorum 1) of one
 * slice, or several of every slice. Like the HTTP collector, it gives a witness that last cosigned
 * another size than {@code oldSize} a proof from its own size, taken from the slice's stored tree.
 * It can hang: while it does, every request is held unanswered, as by a witness that is stuck.
 */
final class InProcessWitness implements CheckpointWitnesses {

  /** One witness: its cosigning key and what it last cosigned. */
  private record Member(Witness witness, InMemoryWitnessState state) {}

  private final List<Member> members = new ArrayList<>();
  private final WitnessPolicy policy;
  private final SliceConsistencyProofs proofs;
  private final List<Long> oldSizes = new CopyOnWriteArrayList<>();
  private final List<Runnable> held = new ArrayList<>();
  private boolean hanging;

  /** A witness of {@code slice} of the log signed by {@code logKey}. */
  InProcessWitness(NoteKey logKey, int slice, LogTables tables) {
    this(logKey, List.of(slice), List.of(NoteSigner.generate("regulator.example/witness", SignatureType.COSIGNATURE_V1)), 1, tables);
  }

  /** Witnesses {@code cosigners} of every slice of the log signed by {@code logKey}, {@code quorum} of them needed. */
  InProcessWitness(NoteKey logKey, List<NoteSigner> cosigners, int quorum, LogTables tables) {
    this(logKey, java.util.stream.IntStream.range(0, LogFormat.SLICE_COUNT).boxed().toList(), cosigners, quorum, tables);
  }

  private InProcessWitness(NoteKey logKey, List<Integer> slices, List<NoteSigner> cosigners, int quorum, LogTables tables) {
    Map<String, NoteKey> origins = new java.util.HashMap<>();
    slices.forEach(slice -> origins.put(LogFormat.sliceOrigin(logKey.name(), slice), logKey));
    for (NoteSigner cosigner : cosigners) {
      InMemoryWitnessState state = new InMemoryWitnessState();
      members.add(new Member(new Witness(cosigner, origins, state, Clock.systemUTC()), state));
    }
    policy = new WitnessPolicy(quorum, cosigners.stream().map(NoteSigner::verifierKey).toList());
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
      List<NoteSignature> cosignatures = new ArrayList<>();
      for (Member member : members) {
        Optional<String> last = member.state().lastCosigned(checkpoint.origin());
        long witnessSize = last.isEmpty() ? 0 : Checkpoint.parse(SignedNote.parse(last.get()).text()).size();
        List<byte[]> proof;
        if (witnessSize == oldSize) {
          proof = consistencyProof;
        } else if (witnessSize == 0 || witnessSize == checkpoint.size()) {
          proof = List.of();
        } else {
          proof = proofs.between(checkpoint.origin(), witnessSize, checkpoint.size());
        }
        if (member.witness().submit(signedCheckpoint, proof) instanceof WitnessResponse.Cosigned cosigned) {
          cosignatures.add(cosigned.cosignature());
        }
      }
      for (NoteSignature cosignature : cosignatures) {
        note = note.withSignature(cosignature);
      }
      return new WitnessingResult(note.format(), cosignatures, Map.of(), policy.evaluate(note));
    } catch (NoteException e) {
      throw new IllegalStateException(e);
    }
  }
}
