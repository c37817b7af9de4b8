package org.medtrace.ingest.route;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The decision about one source message: stored (every item stored; the offset may be committed)
 * or dead-lettered (at least one item was not; the message goes to the dead-letter topic before the
 * offset is committed).
 */
public record MessageOutcome(List<ItemOutcome> items) {

  public MessageOutcome {
    items = List.copyOf(items);
  }

  public boolean isStored() {
    return items.stream().allMatch(item -> item instanceof ItemOutcome.Stored);
  }

  /** The first item that was not stored: its reason code is the message's. */
  public Optional<ItemOutcome.DeadLettered> firstDeadLetter() {
    return items.stream()
        .filter(item -> item instanceof ItemOutcome.DeadLettered)
        .map(ItemOutcome.DeadLettered.class::cast)
        .findFirst();
  }

  public int alreadyRecorded() {
    return items.stream()
        .filter(item -> item instanceof ItemOutcome.Stored)
        .mapToInt(item -> ((ItemOutcome.Stored) item).alreadyRecorded())
        .sum();
  }

  /** Every item's fate in one line, for the dead-letter message header. */
  public String summary() {
    return items.stream()
        .map(
            item ->
                item instanceof ItemOutcome.DeadLettered d
                    ? d.label() + ": " + d.reasonCode() + ": " + d.message()
                    : item.label() + ": stored")
        .collect(Collectors.joining("; "));
  }
}
