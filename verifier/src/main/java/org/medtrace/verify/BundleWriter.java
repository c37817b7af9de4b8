package org.medtrace.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.medtrace.identity.IssuedCertificate;
import org.medtrace.identity.Pem;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;

/**
 * Assembles and writes history bundles. The exporter (a node answering "export this entity")
 * reads the entity's journal rows, looks up each event's leaf index in its slice, asks the slice's
 * tree for inclusion proofs at the latest witnessed checkpoint, and calls {@link #assemble} with
 * where to find the certificates of the events' submission signatures and of the log's and the
 * witnesses' note keys.
 */
public final class BundleWriter {

  /**
   * One event as the exporter has it.
   *
   * @param storedLedgerEvent the journal row's bytes, exactly as stored (never re-serialized)
   */
  public record EventProof(byte[] storedLedgerEvent, int slice, long leafIndex, List<byte[]> inclusionProof) {}

  private BundleWriter() {}

  public static HistoryBundle assemble(
      String entityType,
      String entityId,
      List<EventProof> events,
      SignedNote checkpointWithCosignatures,
      NoteKey logKey,
      List<NoteKey> witnessKeys,
      Map<String, PublicKey> organisationKeys,
      SigningCertificates certificates) {
    Base64.Encoder base64 = Base64.getEncoder();
    Map<String, String> encodedKeys = new LinkedHashMap<>();
    organisationKeys.forEach((keyId, key) -> encodedKeys.put(keyId, base64.encodeToString(key.getEncoded())));
    Map<String, String> encodedCertificates = new TreeMap<>();
    for (String keyId : submissionKeyIds(events)) {
      certificates.certificate(keyId).ifPresent(der -> encodedCertificates.put(keyId, base64.encodeToString(der)));
    }
    // The CA's certificates of the note keys, so that an auditor with only the CA's certificate can
    // tell whose the log's and the witnesses' keys are (filed under their key ids, as the others).
    List<NoteKey> noteKeys = new ArrayList<>(witnessKeys);
    noteKeys.add(0, logKey);
    for (NoteKey key : noteKeys) {
      for (byte[] der : certificates.certificatesOfKey(key)) {
        encodedCertificates.put(IssuedCertificate.fingerprint(Pem.readCertificate(der)), base64.encodeToString(der));
      }
    }
    return new HistoryBundle(
        HistoryBundle.FORMAT,
        entityType,
        entityId,
        logKey.vkey(),
        witnessKeys.stream().map(NoteKey::vkey).toList(),
        encodedKeys,
        encodedCertificates,
        certificates.crl().map(base64::encodeToString).orElse(""),
        certificates.networkPolicy().orElse(""),
        checkpointWithCosignatures.format(),
        events.stream()
            .map(
                event ->
                    new HistoryBundle.Event(
                        base64.encodeToString(event.storedLedgerEvent()),
                        event.slice(),
                        event.leafIndex(),
                        event.inclusionProof().stream().map(base64::encodeToString).toList()))
            .toList());
  }

  /** The key ids of the submission signatures stored in {@code events}, in order of first use. */
  static Set<String> submissionKeyIds(List<EventProof> events) {
    Set<String> keyIds = new LinkedHashSet<>();
    for (EventProof event : events) {
      if (JournalRecord.decode(event.storedLedgerEvent()) instanceof ChainedEvent chained && chained.body().hasSubmissionSignature()) {
        keyIds.add(chained.body().getSubmissionSignature().getKeyId());
      }
    }
    return keyIds;
  }

  public static String toJson(HistoryBundle bundle) {
    try {
      return BundleJson.MAPPER.writeValueAsString(bundle) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a bundle always serializes", e);
    }
  }

  public static void write(HistoryBundle bundle, Path file) throws IOException {
    Files.writeString(file, toJson(bundle), StandardCharsets.UTF_8);
  }
}
