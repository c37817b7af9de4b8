package org.medtrace.verify;

import java.util.List;
import java.util.Map;

/**
 * One entity's complete, independently verifiable history (merkle-log/FORMAT.md, "History
 * bundle"): its stored ledger events, for each the leaf index and inclusion proof into one signed
 * checkpoint of the entity's slice, the checkpoint with its witness cosignatures, and the public
 * keys needed to check it all. This record is the JSON document, field for field.
 *
 * @param format {@link #FORMAT}; or {@link #FORMAT_V2}, written before the network policy was
 *     added (read with none), or {@link #FORMAT_V1}, before certificates (read with no certificates,
 *     no CRL and no policy)
 * @param logKey the log's verifier key (vkey text)
 * @param witnessKeys the witnesses' verifier keys (vkey text, type cosignature/v1)
 * @param organisationKeys the organisations' event-signing keys: key id to base64 X.509
 *     SubjectPublicKeyInfo of the Ed25519 key
 * @param certificates the network CA's certificate of every key id that signed a submission
 *     stored in one of the events ({@code EventBody.submission_signature}): key id to base64 DER.
 *     A key id the exporter had no certificate for is absent (the verifier names the events).
 *     It also holds, under their key ids, the CA's certificates of the log key and of the witness
 *     keys ({@code ca certify}) that the exporting node has.
 * @param crl the network CA's CRL as the exporting node had it, base64 DER, or empty when it had none
 * @param networkPolicy the CA-signed network policy ({@code ca policy}, identity's {@code
 *     NetworkPolicy}) as the exporting node had it, or empty when it had none
 * @param checkpoint the signed checkpoint note, with the log's signature and the cosignature lines
 * @param events every event of the entity from sequence number 1, in order
 */
public record HistoryBundle(
    String format,
    String entityType,
    String entityId,
    String logKey,
    List<String> witnessKeys,
    Map<String, String> organisationKeys,
    Map<String, String> certificates,
    String crl,
    String networkPolicy,
    String checkpoint,
    List<Event> events) {

  /** The format exports are written in: v2 plus {@code networkPolicy}. */
  public static final String FORMAT = "medtrace-history-bundle/v3";

  /** v1 plus {@code certificates} and {@code crl}; still read. */
  public static final String FORMAT_V2 = "medtrace-history-bundle/v2";

  /** The first format, without certificates; still read. */
  public static final String FORMAT_V1 = "medtrace-history-bundle/v1";

  public HistoryBundle {
    witnessKeys = List.copyOf(witnessKeys);
    organisationKeys = Map.copyOf(organisationKeys);
    certificates = Map.copyOf(certificates);
    events = List.copyOf(events);
  }

  /** This bundle with {@code otherEvents} (for tools and tests that edit bundles). */
  public HistoryBundle withEvents(List<Event> otherEvents) {
    return new HistoryBundle(format, entityType, entityId, logKey, witnessKeys, organisationKeys, certificates, crl, networkPolicy, checkpoint, otherEvents);
  }

  /** This bundle with {@code otherCertificates} and {@code otherCrl}. */
  public HistoryBundle withCertificates(Map<String, String> otherCertificates, String otherCrl) {
    return new HistoryBundle(format, entityType, entityId, logKey, witnessKeys, organisationKeys, otherCertificates, otherCrl, networkPolicy, checkpoint, events);
  }

  /** This bundle with {@code otherNetworkPolicy}. */
  public HistoryBundle withNetworkPolicy(String otherNetworkPolicy) {
    return new HistoryBundle(format, entityType, entityId, logKey, witnessKeys, organisationKeys, certificates, crl, otherNetworkPolicy, checkpoint, events);
  }

  /** This bundle with {@code otherCheckpoint}. */
  public HistoryBundle withCheckpoint(String otherCheckpoint) {
    return new HistoryBundle(format, entityType, entityId, logKey, witnessKeys, organisationKeys, certificates, crl, networkPolicy, otherCheckpoint, events);
  }

  /**
   * One event and its place in the log.
   *
   * @param ledgerEvent base64 of the stored {@code LedgerEvent} bytes, exactly as in the journal
   * @param slice the slice whose tree holds the event's leaf
   * @param leafIndex the leaf's index in that tree
   * @param inclusionProof base64 hashes of the RFC 9162 inclusion proof into the checkpoint's tree
   */
  public record Event(String ledgerEvent, int slice, long leafIndex, List<String> inclusionProof) {

    public Event {
      inclusionProof = List.copyOf(inclusionProof);
    }
  }
}
