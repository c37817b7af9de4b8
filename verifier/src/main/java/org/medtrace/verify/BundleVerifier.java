package org.medtrace.verify;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *   <li>the checkpoint is signed by the log key and is a checkpoint of the entity's slice;
 *   <li>the chain is intact from genesis: every event's hash, link and (where present) signature,
 *       by the persistence module's own {@link ChainVerifier}; and, given the network CA, every
 *       event's submission signature ({@link SubmissionSignatures});
 *   <li>every event's leaf is included in the checkpoint's tree at the index the bundle gives;
 *   <li>the witnesses' cosignatures verify, and enough of them to meet the quorum.
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

    // 1. The checkpoint.
    NoteKey logKey = logKey(bundle, trust, failures, warnings);
    SignedNote note = null;
    Checkpoint checkpoint = null;
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
            bundle, records.stream().filter(java.util.Objects::nonNull).toList(), trust.networkCa(), failures, warnings);

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

    // 4. Witnesses.
    Map<String, NoteKey> witnesses = witnesses(bundle, trust, failures, warnings);
    int quorum = trust.quorum().orElse(TrustAnchors.majorityOf(witnesses.size()));
    if (witnesses.isEmpty()) {
      warnings.add("no witness keys: nobody but the log vouches for this checkpoint");
    }
    List<String> cosignedBy = new ArrayList<>();
    if (quorum > witnesses.size()) {
      failures.add("witnesses: a quorum of " + quorum + " needs at least that many witness keys, there are " + witnesses.size());
    } else if (note != null && checkpoint != null) {
      for (Map.Entry<String, NoteKey> witness : witnesses.entrySet()) {
        try {
          Optional<NoteSignature> line = note.signatureOf(witness.getValue());
          if (line.isPresent()) {
            Cosignature.verify(witness.getValue(), note.text(), line.get());
            cosignedBy.add(witness.getKey());
          }
        } catch (NoteException e) {
          failures.add("cosignature of " + witness.getKey() + ": " + describe(e));
        }
      }
      if (cosignedBy.size() < quorum) {
        failures.add(
            "witnesses: cosigned by " + cosignedBy.size() + " of " + witnesses.size() + " witnesses"
                + (cosignedBy.isEmpty() ? "" : " (" + String.join(", ", cosignedBy) + ")")
                + ", the quorum is " + quorum);
      }
    }

    String summary =
        checkpoint == null
            ? ""
            : entity + ": " + bundle.events().size() + " events, chain intact"
                + (signedEvents > 0 ? " (" + signedEvents + " signed)" : "")
                + ", included in checkpoint of size " + checkpoint.size() + " of slice " + slice
                + " (" + checkpoint.origin() + ")"
                + checkpoint.time().map(t -> " signed at " + t).orElse("")
                + ", cosigned by " + cosignedBy.size() + " of " + witnesses.size() + " witnesses"
                + (cosignedBy.isEmpty() ? "" : ": " + String.join(", ", cosignedBy))
                + " (quorum " + quorum + ")"
                + submissions;
    return new VerificationReport(summary, failures, warnings);
  }

  private static NoteKey logKey(HistoryBundle bundle, TrustAnchors trust, List<String> failures, List<String> warnings) {
    if (trust.logKey().isPresent()) {
      return trust.logKey().get();
    }
    warnings.add("the log key is taken from the bundle (pass --trust-log to check who signed the checkpoint)");
    try {
      return NoteKey.parse(bundle.logKey());
    } catch (NoteException e) {
      failures.add("bundle: the log key is not valid: " + e.getMessage());
      return null;
    }
  }

  private static Map<String, NoteKey> witnesses(
      HistoryBundle bundle, TrustAnchors trust, List<String> failures, List<String> warnings) {
    if (!trust.witnesses().isEmpty()) {
      return trust.witnesses();
    }
    Map<String, NoteKey> fromBundle = new LinkedHashMap<>();
    for (String vkey : bundle.witnessKeys()) {
      try {
        NoteKey key = NoteKey.parse(vkey);
        fromBundle.put(key.name(), key);
      } catch (NoteException e) {
        failures.add("bundle: witness key '" + vkey + "' is not valid: " + e.getMessage());
      }
    }
    if (!fromBundle.isEmpty()) {
      warnings.add("the witness keys are taken from the bundle (pass --witness NAME=KEYFILE to choose whom to trust)");
    }
    return fromBundle;
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
