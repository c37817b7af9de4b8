package org.medtrace.ingest.route;

import java.util.List;
import java.util.Optional;

/** What a decoder made of one source message: its items, in the message's order. */
public record DecodedMessage(List<DecodedItem> items) {

  public DecodedMessage {
    items = List.copyOf(items);
    if (items.isEmpty()) {
      throw new IllegalArgumentException("a decoded message has at least one item");
    }
  }

  public static DecodedMessage of(DecodedItem item) {
    return new DecodedMessage(List.of(item));
  }

  public static DecodedMessage undecodable(String label, DecodeFailure reason, String message) {
    return of(new DecodedItem.Undecodable(label, reason, message));
  }

  /**
   * The entity key of the message's first command, which orders it against other messages for the
   * same entity; empty when nothing is routed (such a message needs no order: it only goes to the
   * dead-letter topic, which keeps source order anyway because outcomes are emitted in order).
   */
  public Optional<String> orderingKey() {
    return items.stream()
        .filter(item -> item instanceof DecodedItem.Routable)
        .map(item -> ((DecodedItem.Routable) item).commands().get(0).entityKey())
        .findFirst();
  }
}
