package org.medtrace.globallog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.medtrace.actors.patient.PatientRecord;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.NetworkCa;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.NoteKeyRole;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.MerkleTree;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.cassandra.RealCassandra;
import org.medtrace.verify.BundleWriter;
import org.medtrace.verify.HistoryBundle;
import org.medtrace.verify.SigningCertificates;

/**
 * The running log: one writer per slice (sharded) taking the events the entity hands over, with the
 * reconciler running every second alongside, so that both deliver most events and the log must
 * still hold each exactly once. Three in-process witnesses of three organisations cosign its
 * checkpoints; the network CA certifies their keys and the log's and signs the quorum (its network
 * policy), so that an export verifies with nothing but the CA's certificate.
 */
@ExtendWith(RealCassandra.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GlobalLogTest {

  /** The organisations whose witnesses cosign the log's checkpoints (2 of them needed). */
  private static final List<String> WITNESS_ORGANISATIONS = List.of("regulator", "hospital-a", "hospital-b");

  private LedgerNode node;
  private Path caDirectory;
  private LogTables tables;
  private GlobalLog log;

  @BeforeAll
  void start() throws Exception {
    Path keyDirectory = Files.createTempDirectory("medtrace-log-key");
    node =
        LedgerNode.start(
            "globallogtest",
            ConfigFactory.parseString(
                """
                medtrace.global-log.reconcile-interval = 1s
                medtrace.global-log.restart-min-backoff = 200ms
                medtrace.global-log.checkpoint-interval = 1s
                medtrace.global-log.development-key.enabled = on
                medtrace.global-log.development-key.dir = "%s"
                """.formatted(keyDirectory)));
    // The network CA certifies the log's key and its three witnesses' keys, as their organisations'.
    GlobalLogSettings settings = GlobalLogSettings.from(node.testKit.system().settings().config());
    NoteKey logKey = LogKey.load(settings.signing()).orElseThrow().verifierKey();
    caDirectory = Files.createTempDirectory("medtrace-log-ca").resolve("ca");
    NetworkCa ca = NetworkCa.init(caDirectory, "test network CA", Duration.ofDays(3650), Clock.systemUTC());
    ca.certify("medtrace-operator", NoteKeyRole.LOG, logKey, Duration.ofDays(30));
    List<NoteSigner> cosigners = new ArrayList<>();
    for (String organisation : WITNESS_ORGANISATIONS) {
      NoteSigner cosigner = NoteSigner.generate(organisation + ".example/witness", SignatureType.COSIGNATURE_V1);
      ca.certify(organisation, NoteKeyRole.WITNESS, cosigner.verifierKey(), Duration.ofDays(30));
      cosigners.add(cosigner);
    }
    // ...and signs the network's policy: 2 witness organisations must cosign.
    ca.policy(2);
    tables = GlobalLog.tables(node.testKit.system());
    log = GlobalLog.init(node.testKit.system(), settings, new InProcessWitness(logKey, cosigners, 2, tables), Clock.systemUTC());
    node.withPatients(log.commitFeed());
    assertEquals(log.logKey().orElseThrow().vkey() + "\n", Files.readString(keyDirectory.resolve(LogKey.VKEY_FILE)));
  }

  @AfterAll
  void stop() {
    node.close();
  }

  @Test
  void everyEventWrittenThroughTheEntitiesAppearsInTheLogExactlyOnce() {
    Map<String, Integer> events = node.anchorOnPatients("pk-all", 12, 4);
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          LedgerNode.assertInTheLogOnce(tables, events);
          // Every leaf of every slice (other tests' events too) stands for a different event.
          Set<LogLeaf> leaves = new HashSet<>();
          long count = 0;
          for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
            LogTables.SliceProgress progress = tables.progress(slice);
            List<LogTables.StoredLeaf> stored = tables.leavesFrom(slice, 0, 10_000);
            assertEquals(progress.sequencedSize(), stored.size());
            assertEquals(progress.sequencedSize(), progress.integratedSize());
            stored.forEach(leaf -> leaves.add(leaf.leaf()));
            count += stored.size();
          }
          assertEquals(count, leaves.size(), "the log holds an event twice");
        });
  }

  @Test
  void everySliceGetsASignedCheckpointOfItsWholeTree() {
    for (int p = 0; p < 20; p++) {
      node.anchor("pk-checkpointed-" + p, "r-1");
    }
    NoteKey key = log.logKey().orElseThrow();
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
            LogTables.SliceProgress progress = tables.progress(slice);
            assertEquals(progress.sequencedSize(), progress.integratedSize());
            LogTables.StoredCheckpoint stored = tables.latestCheckpoint(slice).orElseThrow(AssertionError::new);
            try {
              Checkpoint checkpoint = Checkpoint.verify(SignedNote.parse(stored.note()), key);
              assertEquals(LogFormat.sliceOrigin(key.name(), slice), checkpoint.origin());
              assertEquals(progress.integratedSize(), checkpoint.size(), "slice " + slice);
              assertArrayEquals(
                  new MerkleTree(CassandraNodeStore.forReader(tables, slice)).rootHash(checkpoint.size()), checkpoint.rootHash());
            } catch (NoteException e) {
              throw new AssertionError(e);
            }
          }
        });
  }

  @Test
  void anExportedHistoryPassesTheOfflineVerifierAndATamperedOneFailsIt() throws Exception {
    String patient = "pk-exported";
    LogReader reader = anchored(patient, 5);
    HistoryBundle[] exported = new HistoryBundle[1];
    Path keyFile = Files.writeString(Files.createTempFile("log", ".vkey"), reader.logKey().vkey() + "\n");
    Path bundle = Files.createTempFile("bundle", ".json");
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          // Until a checkpoint with all five events has its witnesses' cosignatures.
          exported[0] = reader.export(PatientRecord.ENTITY_TYPE, patient, SigningCertificates.none());
          assertEquals(5, exported[0].events().size());
          write(exported[0], bundle);
          assertEquals(0, verify(keyFile, bundle), "the exported bundle verifies");
        });

    // One byte of one inclusion proof changed.
    HistoryBundle.Event third = exported[0].events().get(2);
    byte[] hash = Base64.getDecoder().decode(third.inclusionProof().get(0));
    hash[0] ^= 1;
    List<String> proof = new ArrayList<>(third.inclusionProof());
    proof.set(0, Base64.getEncoder().encodeToString(hash));
    List<HistoryBundle.Event> events = new ArrayList<>(exported[0].events());
    events.set(2, new HistoryBundle.Event(third.ledgerEvent(), third.slice(), third.leafIndex(), proof));
    HistoryBundle tampered = exported[0].withEvents(events);
    BundleWriter.write(tampered, bundle);
    assertEquals(1, verify(keyFile, bundle), "the tampered bundle fails");
  }

  @Test
  void anExportVerifiesWithOnlyTheCaCertificateAndATamperedOneFails() throws Exception {
    String patient = "pk-certified";
    LogReader reader = anchored(patient, 3);
    // What the node's trust directory has: the note keys' certificates and the CA's CRL.
    SigningCertificates trustDirectory = SigningCertificates.of(NetworkTrust.load(caDirectory));
    Path caCertificate = caDirectory.resolve("ca.pem");
    Path bundle = Files.createTempFile("certified-bundle", ".json");
    HistoryBundle[] exported = new HistoryBundle[1];
    String[] output = new String[1];
    node.awaitAssert(
        Duration.ofSeconds(30),
        () -> {
          // Until the witnesses have cosigned a checkpoint with all three events.
          exported[0] = reader.export(PatientRecord.ENTITY_TYPE, patient, trustDirectory);
          assertEquals(3, exported[0].events().size());
          write(exported[0], bundle);
          Verification verification = verify("--ca", caCertificate.toString(), bundle.toString());
          output[0] = verification.output();
          assertEquals(0, verification.status(), verification.output());
        });
    assertEquals(4, exported[0].certificates().size(), "the log key's and three witness keys' certificates");
    assertTrue(
        output[0].contains("by the log key of medtrace-operator (CA-certified), cosigned by 3 of 3 witnesses: "), output[0]);
    assertTrue(output[0].contains("(quorum 2, by the network CA's policy of "), output[0]);
    assertTrue(!exported[0].networkPolicy().isEmpty(), "the trust directory's network policy is in the bundle");

    // The log key's certificate left out: the auditor has no reason to trust the key.
    String logKeyId = IssuedCertificate.fingerprint(NetworkTrust.load(caDirectory).certificatesOfKey(reader.logKey().publicKey()).get(0));
    assertTrue(exported[0].certificates().containsKey(logKeyId), "the log key's certificate is in the bundle");
    Map<String, String> withoutLogCertificate = new java.util.HashMap<>(exported[0].certificates());
    withoutLogCertificate.remove(logKeyId);
    BundleWriter.write(exported[0].withCertificates(withoutLogCertificate, exported[0].crl()), bundle);
    Verification uncertified = verify("--ca", caCertificate.toString(), "--quorum", "2", bundle.toString());
    assertEquals(1, uncertified.status(), uncertified.output());
    assertTrue(uncertified.output().contains("is not CA-certified: the bundle holds no certificate for it"), uncertified.output());

    // The certificates of two of the three witnesses left out: one certified cosignature is too few.
    Map<String, String> logCertificateOnly = Map.of(logKeyId, exported[0].certificates().get(logKeyId));
    BundleWriter.write(exported[0].withCertificates(logCertificateOnly, exported[0].crl()), bundle);
    Verification tooFew = verify("--ca", caCertificate.toString(), "--quorum", "2", bundle.toString());
    assertEquals(1, tooFew.status(), tooFew.output());
    assertTrue(tooFew.output().contains("a quorum of 2 needs at least that many CA-certified witness organisations, there are 0"), tooFew.output());
  }

  @Test
  void inclusionAndConsistencyProofsVerifyAgainstTheCheckpoints() throws Exception {
    String patient = "pk-proved";
    node.anchor(patient, "r-1");
    LogReader reader = log.reader(node.testKit.system(), Duration.ofSeconds(30), Map.of()).orElseThrow();
    LogReader.Inclusion[] first = new LogReader.Inclusion[1];
    node.awaitAssert(Duration.ofSeconds(30), () -> first[0] = reader.inclusion(PatientRecord.ENTITY_TYPE, patient, 1, OptionalLong.empty()));
    node.anchor(patient, "r-2");
    LogReader.Inclusion[] second = new LogReader.Inclusion[1];
    node.awaitAssert(Duration.ofSeconds(30), () -> second[0] = reader.inclusion(PatientRecord.ENTITY_TYPE, patient, 2, OptionalLong.empty()));

    Checkpoint older = reader.verified(first[0].checkpoint().note());
    Checkpoint newer = reader.verified(second[0].checkpoint().note());
    assertTrue(
        ProofVerifier.verifyInclusion(first[0].leaf().leafHash(), first[0].leafIndex(), older.size(), first[0].proof(), older.rootHash())
            .isValid());
    assertTrue(
        ProofVerifier.verifyInclusion(second[0].leaf().leafHash(), second[0].leafIndex(), newer.size(), second[0].proof(), newer.rootHash())
            .isValid());
    // The first event is also in the newer checkpoint, and the older one is a prefix of it.
    LogReader.Inclusion again = reader.inclusion(PatientRecord.ENTITY_TYPE, patient, 1, OptionalLong.of(newer.size()));
    assertTrue(ProofVerifier.verifyInclusion(again.leaf().leafHash(), again.leafIndex(), newer.size(), again.proof(), newer.rootHash()).isValid());
    List<byte[]> consistency = reader.consistencyProof(first[0].slice(), older.size(), newer.size());
    assertTrue(ProofVerifier.verifyConsistency(older.size(), newer.size(), older.rootHash(), newer.rootHash(), consistency).isValid());
  }

  /** Anchors {@code records} records of {@code patient}, and returns the log's read side. */
  private LogReader anchored(String patient, int records) {
    for (int r = 1; r <= records; r++) {
      node.anchor(patient, "r-" + r);
    }
    return log.reader(node.testKit.system(), Duration.ofSeconds(30), Map.of()).orElseThrow();
  }

  private static int verify(Path logKey, Path bundle) {
    return verify("--trust-log", logKey.toString(), bundle.toString()).status();
  }

  private static void write(HistoryBundle bundle, Path file) {
    try {
      BundleWriter.write(bundle, file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private record Verification(int status, String output) {}

  private static Verification verify(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status = org.medtrace.verify.Main.run(args, new PrintStream(out), new PrintStream(out));
    System.out.println(out);
    return new Verification(status, out.toString());
  }
}
