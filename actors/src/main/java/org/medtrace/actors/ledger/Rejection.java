package org.medtrace.actors.ledger;

/** Why a command was refused. A refused command persists nothing, except where its kind says so. */
public enum Rejection {
  /** A field is missing or malformed. */
  INVALID_INPUT,
  /** The acting party's role may not issue this command, or not for this entity. */
  FORBIDDEN,
  /** The entity does not exist (yet). */
  NOT_FOUND,
  /** The command is not allowed in the entity's current state (the message names the state). */
  ILLEGAL_STATE,
  /** A business rule refuses it, e.g. dispensing more than is in stock. */
  BUSINESS_RULE,
  /** No valid consent covers the read, and there is no break-glass justification. */
  CONSENT_REQUIRED,
  /**
   * Refused and recorded as evidence: a duplicate unit scan, use of a decommissioned device, a
   * denied read. The refusal itself is an event on the chain.
   */
  REFUSED_AND_RECORDED,
  /** The entity's chain does not verify; nothing is appended to it until it is repaired. */
  LEDGER_BROKEN
}
