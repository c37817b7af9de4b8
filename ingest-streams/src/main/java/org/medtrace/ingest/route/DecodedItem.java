package org.medtrace.ingest.route;

import java.util.List;
import org.medtrace.identity.SubmissionRefused;

/**
 * One unit of a decoded message: an HL7 message or a sensor reading is one item, an EPCIS document
 * has one per event. An item is either commands to route, in order, or the reason it cannot be.
 */
public sealed interface DecodedItem {

  /** Names the item in outcomes and dead-letter messages ("event urn:uuid:...", "MSH-10 123"). */
  String label();

  record Routable(String label, List<RoutedCommand<?>> commands) implements DecodedItem {
    public Routable {
      commands = List.copyOf(commands);
      if (commands.isEmpty()) {
        throw new IllegalArgumentException("a routable item needs at least one command");
      }
    }
  }

  record Undecodable(String label, DecodeFailure reason, String message) implements DecodedItem {}

  /**
   * A signed record whose signature does not hold, or an unsigned one that must be signed: the
   * whole message is this one item, so that nothing of it is stored. The reason is named as the
   * HTTP API's problem of the same refusal.
   */
  record SignatureRefused(String label, SubmissionRefused.Reason reason, String message) implements DecodedItem {}
}
