package org.medtrace.verify;

import java.util.List;
import java.util.Map;

/**
 * One entity's complete, independently verifiable history (merkle-log/FORMAT.md, "History
 * bundle"): its stored ledger events, for each the leaf index and inclusion proof into one signed
 * checkpoint of the entity's slice, the checkpoint with its witness cosignatures, and the public
 * keys needed to check it all. This record is the JSON document, field for field.
 *
 * @param format always {@link #FORMAT}
 * @param logKey the log's verifier key (vkey text)
 * @param witnessKeys the witnesses' verifier keys (vkey text, type cosignature/v1)
 * @param organisationKeys the organisations' event-signing keys: key id to base64 X.509
 *     SubjectPublicKeyInfo of the Ed25519 key
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
    String checkpoint,
    List<Event> events) {

  public static final String FORMAT = "medtrace-history-bundle/v1";

  public HistoryBundle {
    witnessKeys = List.copyOf(witnessKeys);
    organisationKeys = Map.copyOf(organisationKeys);
    events = List.copyOf(events);
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
