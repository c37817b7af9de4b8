package org.medtrace.verify;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.medtrace.identity.NetworkPolicy;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.identity.NoteKeyRole;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.LogLeaf;
import org.medtrace.merkle.ProofResult;
import org.medtrace.merkle.ProofVerifier;
import org.medtrace.merkle.note.Checkpoint;
import org.medtrace.merkle.note.Cosignature;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSignature;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.chain.ChainVerifier;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * Verifies a history bundle end to end, offline:
 *
 * <ol>
 *   <li>the checkpoint is signed by the log key and is a checkpoint of the entity's slice; the log
 *       key is the auditor's, or, given only the network CA, the bundle's with the CA's certificate
 *       for it ({@link NoteKeyCertificates});
 *   <li>the chain is intact from genesis: every event's hash, link and (where present) signature,
 *       by the persistence module's own {@link ChainVerifier}; and, given the network CA, every
 *       event's submission signature ({@link SubmissionSignatures});
 *   <li>every event's leaf is included in the checkpoint's tree at the index the bundle gives;
 *   <li>the witnesses' cosignatures verify, and enough of them to meet the quorum; the witnesses
 *       are the auditor's, or, given only the network CA, the bundle's witness keys that the CA
 *       certifies, each counted under its organisation, and an organisation once.
 * </ol>
 *
 * Every failed check is reported, each naming the event, proof or signature and why; a check that
 * depends on an earlier one (e.g. inclusion against a checkpoint that did not verify) is skipped.
 */
public final class BundleVerifier {

  private BundleVerifier() {}

  public static VerificationReport verify(HistoryBundle bundle, TrustAnchors trust) {
    List<String> failures = new ArrayList<>();
    List<String> warnings = new ArrayList<>();

    int slice;
    try {
      slice = LogLeaf.sliceOf(bundle.entityType(), bundle.entityId());
    } catch (IllegalArgumentException e) {
      failures.add("bundle: entity " + bundle.entityType() + " " + bundle.entityId() + " is not valid: " + e.getMessage());
      return new VerificationReport("", failures, warnings);
    }
    String entity = bundle.entityType() + " " + bundle.entityId();

    // 0. The network CA, with the bundle's CRL: whose the log's and witnesses' keys are, and the submissions' signers.
    Optional<NetworkTrust> networkTrust =
        trust.networkCa().map(ca -> SubmissionSignatures.trust(bundle, ca, failures, warnings));
    Optional<NoteKeyCertificates> noteKeyCertificates = networkTrust.map(t -> new NoteKeyCertificates(bundle, t));

    // 1. The checkpoint.
    NoteKey logKey = logKey(bundle, trust, noteKeyCertificates.isPresent(), failures, warnings);
    SignedNote note = null;
    Checkpoint checkpoint = null;
    String logHolder = "";
    try {
      note = SignedNote.parse(bundle.checkpoint());
      if (logKey != null) {
        checkpoint = Checkpoint.verify(note, logKey);
        String expectedOrigin = LogFormat.sliceOrigin(logKey.name(), slice);
        if (!checkpoint.origin().equals(expectedOrigin)) {
          failures.add(
              "checkpoint: origin " + checkpoint.origin() + " is not " + expectedOrigin + ", the slice of " + entity);
          checkpoint = null;
        }
      }
    } catch (NoteException e) {
      failures.add("checkpoint: " + describe(e));
    }
    if (checkpoint != null && trust.logKey().isEmpty() && noteKeyCertificates.isPresent()) {
      // The auditor gave no log key, only the CA: the bundle's log key counts only with the CA's certificate for it.
      Optional<String> holder = certifiedLogKeyHolder(logKey, checkpoint, noteKeyCertificates.get(), failures);
      if (holder.isEmpty()) {
        checkpoint = null;
      } else {
        logHolder = " by the log key of " + holder.get() + " (CA-certified)";
      }
    }

    // 2. The chain.
    TrustedKeys organisationKeys = organisationKeys(bundle, failures);
    warnings.add("organisation signatures are checked against the keys in the bundle");
    ChainVerifier chain = new ChainVerifier(bundle.entityType(), bundle.entityId(), organisationKeys);
    List<JournalRecord> records = new ArrayList<>();
    Base64.Decoder base64 = Base64.getDecoder();
    for (int i = 0; i < bundle.events().size(); i++) {
      byte[] bytes;
      try {
        bytes = base64.decode(bundle.events().get(i).ledgerEvent());
      } catch (IllegalArgumentException e) {
        failures.add("event at position " + (i + 1) + ": ledgerEvent is not base64");
        records.add(null);
        continue;
      }
      JournalRecord record = JournalRecord.decode(bytes);
      records.add(record);
      long storedSequenceNumber = record instanceof ChainedEvent event ? event.sequenceNumber() : i + 1;
      chain.accept(storedSequenceNumber, record);
    }
    VerificationResult chainResult = chain.result();
    long signedEvents = records.stream()
        .filter(r -> r instanceof ChainedEvent event && !event.envelope().getSignature().isEmpty())
        .count();
    if (chainResult instanceof VerificationResult.Broken broken) {
      failures.add(
          "chain: broken at event #" + broken.sequenceNumber() + " (" + broken.reason() + "): " + broken.detail()
              + "; events 1.." + broken.intactLength() + " are intact");
    } else if (bundle.events().isEmpty()) {
      failures.add("chain: the bundle holds no events");
    }

    // 2b. The organisations' submission signatures, against the network CA where one is given.
    String submissions =
        SubmissionSignatures.check(
            bundle, records.stream().filter(java.util.Objects::nonNull).toList(), networkTrust, failures, warnings);

    // 3. Inclusion of every event in the checkpoint's tree.
    if (checkpoint != null) {
      Map<Long, Integer> positionByLeafIndex = new HashMap<>();
      for (int i = 0; i < records.size(); i++) {
        if (!(records.get(i) instanceof ChainedEvent event)) {
          continue;
        }
        HistoryBundle.Event entry = bundle.events().get(i);
        String which = "event #" + event.sequenceNumber() + " (leaf " + entry.leafIndex() + ")";
        if (entry.slice() != slice) {
          failures.add(which + ": slice " + entry.slice() + " is not the entity's slice " + slice);
          continue;
        }
        Integer earlier = positionByLeafIndex.putIfAbsent(entry.leafIndex(), i);
        if (earlier != null) {
          failures.add(which + ": leaf index already given for the event at position " + (earlier + 1));
          continue;
        }
        Optional<List<byte[]>> proof = decodeProof(entry.inclusionProof());
        if (proof.isEmpty()) {
          failures.add(which + ": the inclusion proof is not a list of base64 hashes");
          continue;
        }
        byte[] leafHash;
        try {
          leafHash =
              new LogLeaf(bundle.entityType(), bundle.entityId(), event.sequenceNumber(), event.hash()).leafHash();
        } catch (IllegalArgumentException e) {
          failures.add(which + ": no leaf can be made of it: " + e.getMessage());
          continue;
        }
        ProofResult included =
            ProofVerifier.verifyInclusion(
                leafHash, entry.leafIndex(), checkpoint.size(), proof.get(), checkpoint.rootHash());
        if (!included.isValid()) {
          failures.add(
              which + ": not included in the checkpoint of size " + checkpoint.size() + ": "
                  + included.failure().orElseThrow() + ": " + included.detail());
        }
      }
    }

    // 4. Witnesses. With only the CA to go by, whose cosignatures count is decided at the checkpoint's
    // time: without a verified checkpoint there is nothing to count them for (its failure is reported).
    String cosigned = "";
    if (checkpoint != null || !trust.witnesses().isEmpty() || noteKeyCertificates.isEmpty()) {
      cosigned = witnessed(bundle, trust, note, checkpoint, noteKeyCertificates, failures, warnings);
    }

    String summary =
        checkpoint == null
            ? ""
            : entity + ": " + bundle.events().size() + " events, chain intact"
                + (signedEvents > 0 ? " (" + signedEvents + " signed)" : "")
                + ", included in checkpoint of size " + checkpoint.size() + " of slice " + slice
                + " (" + checkpoint.origin() + ")"
                + checkpoint.time().map(t -> " signed at " + t).orElse("")
                + logHolder
                + cosigned
                + submissions;
    return new VerificationReport(summary, failures, warnings);
  }

  /**
   * Checks the witnesses' cosignatures on {@code note} against the quorum, adding failures and
   * warnings; returns the summary's clause (", cosigned by 3 of 4 witnesses: a, b, c (quorum 3)").
   */
  private static String witnessed(
      HistoryBundle bundle,
      TrustAnchors trust,
      SignedNote note,
      Checkpoint checkpoint,
      Optional<NoteKeyCertificates> noteKeyCertificates,
      List<String> failures,
      List<String> warnings) {
    Witnesses witnesses =
        witnesses(bundle, trust, checkpoint == null ? Optional.empty() : checkpoint.time(), noteKeyCertificates, failures, warnings);
    int witnessCount = witnesses.count();
    // k: the auditor's; else, counting CA-certified witnesses, the CA's signed policy; else a majority.
    Optional<NetworkPolicy> policy =
        witnesses.certified() ? networkPolicy(bundle, trust.networkCa().orElseThrow(), failures) : Optional.empty();
    int quorum = trust.quorum().orElse(policy.map(NetworkPolicy::witnessQuorum).orElse(TrustAnchors.majorityOf(witnessCount)));
    String quorumClause = " (quorum " + quorum + ")";
    if (trust.quorum().isPresent()) {
      policy
          .filter(p -> p.witnessQuorum() > quorum)
          .ifPresent(p -> warnings.add(
              "the network CA's policy of " + p.issuedAt() + " asks for " + p.witnessQuorum() + " witnesses; --quorum " + quorum + " was used"));
    } else if (policy.isPresent()) {
      quorumClause = " (quorum " + quorum + ", by the network CA's policy of " + policy.get().issuedAt() + ")";
    } else if (witnesses.certified()) {
      String notFixed = "the quorum " + quorum + " is a majority of the CA-certified witnesses in the bundle: NOT fixed by the auditor or the CA (pass --quorum)";
      warnings.add(notFixed);
      quorumClause = " (" + notFixed + ")";
    }
    if (witnesses.keys().isEmpty()) {
      warnings.add("no witness keys: nobody but the log vouches for this checkpoint");
    }
    Set<String> cosignedBy = new LinkedHashSet<>();
    if (quorum > witnessCount) {
      failures.add(
          "witnesses: a quorum of " + quorum + " needs at least that many " + (witnesses.certified() ? "CA-certified witness organisations" : "witness keys")
              + ", there are " + witnessCount + witnesses.notCountedClause());
    } else if (note != null && checkpoint != null) {
      for (WitnessKey witness : witnesses.keys()) {
        try {
          Optional<NoteSignature> line = note.signatureOf(witness.key());
          if (line.isPresent()) {
            Cosignature.verify(witness.key(), note.text(), line.get());
            // An organisation with two witness keys is one witness: a set counts it once.
            cosignedBy.add(witness.name());
          }
        } catch (NoteException e) {
          failures.add("cosignature of " + witness.label() + ": " + describe(e));
        }
      }
      if (cosignedBy.size() < quorum) {
        failures.add(
            "witnesses: " + (witnesses.certified() ? "too few certified cosignatures: " : "")
                + "cosigned by " + cosignedBy.size() + " of " + witnessCount + " witnesses"
                + (cosignedBy.isEmpty() ? "" : " (" + String.join(", ", cosignedBy) + ")")
                + ", the quorum is " + quorum + witnesses.notCountedClause());
      }
    }

    return ", cosigned by " + cosignedBy.size() + " of " + witnessCount + " witnesses"
        + (cosignedBy.isEmpty() ? "" : ": " + String.join(", ", cosignedBy))
        + quorumClause;
  }

  /** The bundle's network policy, if it has one and the network CA {@code ca} signed it (else the failure says why). */
  private static Optional<NetworkPolicy> networkPolicy(HistoryBundle bundle, X509Certificate ca, List<String> failures) {
    if (bundle.networkPolicy().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(NetworkPolicy.verify(bundle.networkPolicy(), ca));
    } catch (IllegalArgumentException e) {
      failures.add("bundle: the network policy cannot be used: " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The organisation the CA certifies the log key to at the checkpoint's time, or empty (with the
   * failure saying why) when it does not.
   */
  private static Optional<String> certifiedLogKeyHolder(
      NoteKey logKey, Checkpoint checkpoint, NoteKeyCertificates certificates, List<String> failures) {
    String which = "checkpoint: the log key " + logKey.name() + "+" + logKey.keyIdHex() + " is not CA-certified: ";
    if (checkpoint.time().isEmpty()) {
      failures.add(which + "the checkpoint carries no time to check its certificate at");
      return Optional.empty();
    }
    NoteKeyCertificates.Certification certification = certificates.certify(logKey, NoteKeyRole.LOG, checkpoint.time().get());
    if (certification instanceof NoteKeyCertificates.Certified certified) {
      return Optional.of(certified.certificate().organisation());
    }
    failures.add(which + ((NoteKeyCertificates.NotCertified) certification).why() + " (pass --trust-log with the log's key from its operator to trust it anyway)");
    return Optional.empty();
  }

  /**
   * A witness key, the name it is counted under (its certificate's organisation, or the auditor's
   * name for it), and how messages name it.
   */
  private record WitnessKey(String name, NoteKey key, String label) {
    WitnessKey(String name, NoteKey key) {
      this(name, key, name);
    }
  }

  /**
   * The witness keys whose cosignatures count.
   *
   * @param certified whether they were counted by their CA certificates (then {@link WitnessKey#name}
   *     is the organisation, and one organisation is one witness however many keys it has)
   * @param notCounted the bundle's witness keys that are not counted, each with why
   */
  private record Witnesses(List<WitnessKey> keys, boolean certified, List<String> notCounted) {
    /** How many witnesses there are: distinct names, so that an organisation counts once. */
    int count() {
      return (int) keys.stream().map(WitnessKey::name).distinct().count();
    }

    String notCountedClause() {
      return notCounted.isEmpty() ? "" : "; not counted: " + String.join("; ", notCounted);
    }
  }

  private static NoteKey logKey(
      HistoryBundle bundle, TrustAnchors trust, boolean certifiedByCa, List<String> failures, List<String> warnings) {
    if (trust.logKey().isPresent()) {
      return trust.logKey().get();
    }
    if (!certifiedByCa) {
      warnings.add("the log key is taken from the bundle (pass --trust-log to check who signed the checkpoint, or --ca to require the CA's certificate for it)");
    }
    try {
      return NoteKey.parse(bundle.logKey());
    } catch (NoteException e) {
      failures.add("bundle: the log key is not valid: " + e.getMessage());
      return null;
    }
  }

  /**
   * The witnesses: the auditor's ({@code --witness}), else the bundle's keys that the CA certifies as
   * witness keys at {@code checkpointTime} (with {@code --ca}), else the bundle's keys as they are.
   */
  private static Witnesses witnesses(
      HistoryBundle bundle,
      TrustAnchors trust,
      Optional<Instant> checkpointTime,
      Optional<NoteKeyCertificates> certificates,
      List<String> failures,
      List<String> warnings) {
    if (!trust.witnesses().isEmpty()) {
      return new Witnesses(
          trust.witnesses().entrySet().stream().map(e -> new WitnessKey(e.getKey(), e.getValue())).toList(), false, List.of());
    }
    List<NoteKey> fromBundle = new ArrayList<>();
    for (String vkey : bundle.witnessKeys()) {
      try {
        fromBundle.add(NoteKey.parse(vkey));
      } catch (NoteException e) {
        failures.add("bundle: witness key '" + vkey + "' is not valid: " + e.getMessage());
      }
    }
    if (certificates.isEmpty()) {
      if (!fromBundle.isEmpty()) {
        warnings.add("the witness keys are taken from the bundle (pass --witness NAME=KEYFILE to choose whom to trust, or --ca to count only CA-certified ones)");
      }
      return new Witnesses(fromBundle.stream().map(key -> new WitnessKey(key.name(), key)).toList(), false, List.of());
    }
    List<WitnessKey> counted = new ArrayList<>();
    List<String> notCounted = new ArrayList<>();
    for (NoteKey key : fromBundle) {
      if (checkpointTime.isEmpty()) {
        notCounted.add(key.name() + ": no checkpoint time to check its certificate at");
        continue;
      }
      NoteKeyCertificates.Certification certification = certificates.get().certify(key, NoteKeyRole.WITNESS, checkpointTime.get());
      if (certification instanceof NoteKeyCertificates.Certified certified) {
        counted.add(new WitnessKey(certified.certificate().organisation(), key, certified.certificate().organisation() + " (" + key.name() + ")"));
      } else {
        notCounted.add(key.name() + ": " + ((NoteKeyCertificates.NotCertified) certification).why());
      }
    }
    notCounted.forEach(why -> warnings.add("witness key not counted, not CA-certified: " + why));
    return new Witnesses(counted, true, notCounted);
  }

  private static TrustedKeys organisationKeys(HistoryBundle bundle, List<String> failures) {
    Map<String, PublicKey> keys = new HashMap<>();
    bundle.organisationKeys().forEach((keyId, encoded) -> {
      try {
        keys.put(
            keyId,
            KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(encoded))));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        failures.add("bundle: organisation key '" + keyId + "' is not a base64 Ed25519 public key");
      }
    });
    return new TrustedKeys(keys);
  }

  private static Optional<List<byte[]>> decodeProof(List<String> proof) {
    try {
      return Optional.of(proof.stream().map(Base64.getDecoder()::decode).toList());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String describe(NoteException e) {
    return e.problem() + ": " + e.getMessage();
  }
}
