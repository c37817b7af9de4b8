package org.medtrace.ingest.route;

import java.util.List;

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
}
