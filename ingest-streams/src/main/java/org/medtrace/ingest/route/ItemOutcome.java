package org.medtrace.ingest.route;

/** What became of one decoded item. */
public sealed interface ItemOutcome {

  String label();

  /**
   * Every command of the item is durably on the ledger: {@code accepted} stored now, {@code
   * alreadyRecorded} stored by an earlier delivery of the same source message.
   */
  record Stored(String label, int accepted, int alreadyRecorded) implements ItemOutcome {}

  /**
   * The item goes to the dead-letter topic: it could not be decoded ({@code reasonCode} is a {@link
   * DecodeFailure} name), its signature did not hold ({@code SubmissionRefused.Reason} name, e.g.
   * {@code BAD_SIGNATURE}) or an entity refused one of its commands ({@code REFUSED_<Rejection>}).
   * Commands of the item before the refused one are stored.
   */
  record DeadLettered(String label, String reasonCode, String message) implements ItemOutcome {}
}
