package org.medtrace.actors.ledger;

import org.medtrace.ledger.v1.EventBody;

/**
 * Which ledger events are alerts. Alert events carry the {@link #TAG} in the journal, so that other
 * parts (the alerts API, the Kafka alert publisher) can subscribe with an events-by-tag query and
 * resume from an offset, across restarts.
 */
public final class Alerts {

  public static final String TAG = "alert";

  private Alerts() {}

  public static boolean isAlert(EventBody event) {
    return switch (event.getEventCase()) {
      case COLD_CHAIN_QUARANTINED,
          SUSPECTED_DUPLICATE_SCAN,
          MAINTENANCE_OVERDUE,
          DECOMMISSIONED_DEVICE_USE_ATTEMPTED,
          ACCESS_DENIED,
          LOG_FORK_DETECTED -> true;
      case ACCESS_RECORDED -> !event.getAccessRecorded().getBreakGlassJustification().isEmpty();
      default -> false;
    };
  }
}
