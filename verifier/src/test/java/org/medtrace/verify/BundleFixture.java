package org.medtrace.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.InMemoryWitnessState;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.Witness;
import org.medtrace.merkle.note.WitnessResponse;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.LedgerFixtures;

/**
 * A realistic bundle: the persistence fixtures' signed drug-batch chain, its events appended to
 * their slice's tree among other entities' leaves, a checkpoint signed by the log and cosigned by
 * three of four witnesses (real {@link Witness}es that checked consistency), written to disk with
 * the key files a user would pass.
 */
final class BundleFixture {

  static final String LOG_NAME = "medtrace.example/ledger";
  static final Instant SIGNED_AT = Instant.ofEpochSecond(1_790_003_600L);
  static final List<String> WITNESS_NAMES = List.of("regulator", "hospital-a", "hospital-b", "hospital-c");

  final NoteSigner log = NoteSigner.generate(LOG_NAME, SignatureType.ED25519);
  final Map<String, Witness> witnesses = new LinkedHashMap<>();
  final List<ChainedEvent> events;
  final int slice = LogLeaf.sliceOf(LedgerFixtures.BATCH_TYPE, LedgerFixtures.BATCH_ID);
  final String origin = LogFormat.sliceOrigin(LOG_NAME, slice);
  final MerkleTree tree = MerkleTree.inMemory();
  final List<Long> leafIndexes = new ArrayList<>();
  final HistoryBundle bundle;
  private final List<BundleWriter.EventProof> proofs = new ArrayList<>();
  private final SignedNote cosigned;

  BundleFixture(int eventCount) {
    this(LedgerFixtures.chain(eventCount, Optional.of(LedgerFixtures.rfc8032Signer())), SigningCertificates.none());
  }

  /** A bundle of {@code events}, carrying what {@code certificates} has for their submission signatures. */
  BundleFixture(List<ChainedEvent> events, SigningCertificates certificates) {
    this.events = events;
    for (String name : WITNESS_NAMES) {
      witnesses.put(
          name,
          new Witness(
              NoteSigner.generate(name + ".example/witness", SignatureType.COSIGNATURE_V1),
              Map.of(origin, log.verifierKey()),
              new InMemoryWitnessState(),
              Clock.fixed(SIGNED_AT, ZoneOffset.UTC)));
    }
    // Other entities of the same slice interleave with ours, as in a busy log.
    Random random = new Random(42);
    appendOthers(random, 37);
    String earlier = checkpoint(tree.size()).format();
    long earlierSize = tree.size();
    witnesses.values().forEach(w -> w.submit(earlier, List.of()));
    for (ChainedEvent event : events) {
      appendOthers(random, random.nextInt(5));
      leafIndexes.add(tree.appendLeafHash(leafOf(event).leafHash()));
    }
    appendOthers(random, 11);

    SignedNote note = checkpoint(tree.size());
    for (String name : WITNESS_NAMES.subList(0, 3)) {
      WitnessResponse response = witnesses.get(name).submit(note.format(), tree.consistencyProof(earlierSize, tree.size()));
      note = note.withSignature(((WitnessResponse.Cosigned) response).cosignature());
    }
    for (int i = 0; i < events.size(); i++) {
      proofs.add(
          new BundleWriter.EventProof(
              events.get(i).envelope().toByteArray(),
              slice,
              leafIndexes.get(i),
              tree.inclusionProof(leafIndexes.get(i), tree.size())));
    }
    cosigned = note;
    bundle = assemble(certificates);
  }

  /** The bundle of this history and checkpoint, with what {@code certificates} has. */
  HistoryBundle assemble(SigningCertificates certificates) {
    return BundleWriter.assemble(
        LedgerFixtures.BATCH_TYPE,
        LedgerFixtures.BATCH_ID,
        proofs,
        cosigned,
        log.verifierKey(),
        witnesses.values().stream().map(Witness::verifierKey).toList(),
        Map.of(LedgerFixtures.KEY_ID, organisationKey()),
        certificates);
  }

  static LogLeaf leafOf(ChainedEvent event) {
    return new LogLeaf(
        event.body().getEntityType(), event.body().getEntityId(), event.sequenceNumber(), event.hash());
  }

  SignedNote checkpoint(long size) {
    return Checkpoint.at(origin, size, tree.rootHash(size), SIGNED_AT).sign(log);
  }

  private void appendOthers(Random random, int count) {
    for (int i = 0; i < count; i++) {
      byte[] hash = new byte[32];
      random.nextBytes(hash);
      tree.appendLeafHash(new LogLeaf("patient-record", "MRN-" + random.nextInt(1_000_000), 1 + random.nextInt(50), hash).leafHash());
    }
  }

  /** The public key of the fixtures' signer, an RFC 8032 test key. */
  static PublicKey organisationKey() {
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(
              new X509EncodedKeySpec(HexFormat.of().parseHex("302a300506032b6570032100" + LedgerFixtures.RFC8032_PUBLIC_HEX)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  NoteKey witnessKey(String name) {
    return witnesses.get(name).verifierKey();
  }

  /** Writes the log's and the witnesses' key files into {@code dir} and returns the trusting arguments. */
  List<String> trustArguments(Path dir) throws IOException {
    List<String> args = new ArrayList<>();
    args.add("--trust-log");
    args.add(Files.writeString(dir.resolve("log.vkey"), log.verifierKey().vkey() + "\n").toString());
    for (String name : WITNESS_NAMES) {
      args.add("--witness");
      args.add(name + "=" + Files.writeString(dir.resolve(name + ".vkey"), witnessKey(name).vkey() + "\n"));
    }
    return args;
  }
}
