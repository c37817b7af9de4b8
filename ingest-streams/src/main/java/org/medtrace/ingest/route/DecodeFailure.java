package org.medtrace.ingest.route;

/**
 * Why a message could not be turned into ledger commands. The name is the reason code a dead
 * letter carries in its {@code medtrace-dlq-reason} header and the {@code reason} label of the
 * dead-letter counter, so renaming one is a change to what operators alert on.
 */
public enum DecodeFailure {
  /** The bytes are not a message of the source's format at all (bad HL7, bad protobuf, bad JSON). */
  MALFORMED,
  /** A well-formed message of a type or kind the ledger does not record (e.g. an ADT, humidity). */
  UNSUPPORTED_MESSAGE_TYPE,
  /** A field the ledger command needs is absent or empty. */
  MISSING_FIELD,
  /** The message names no entity the ledger can address (no usable patient id, batch or device). */
  UNKNOWN_SUBJECT,
  /** A field is present but its value is out of range or badly formed (a GTIN check digit, a date). */
  INVALID_VALUE
}
