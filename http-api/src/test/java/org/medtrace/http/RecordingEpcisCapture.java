package org.medtrace.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.medtrace.actors.ledger.ActingParty;

/**
 * Stands in for the node's EPCIS capture (the ingest pipelines' decoder and router, which this
 * module does not depend on) in the API's own tests: it records who captured what, and answers
 * with the outcomes a test sets. The real capture is tested end to end in {@code cluster/}.
 */
public final class RecordingEpcisCapture implements EpcisCaptureService {

  /** One capture as the API handed it over. */
  public record Captured(byte[] document, ActingParty caller) {}

  private final List<Captured> captured = new CopyOnWriteArrayList<>();
  private volatile List<CapturedEvent> answer = List.of(new CapturedEvent("event-1", true, 1, 0, "", ""));

  @Override
  public CompletionStage<List<CapturedEvent>> capture(byte[] document, ActingParty caller) {
    captured.add(new Captured(document, caller));
    return CompletableFuture.completedFuture(answer);
  }

  public List<Captured> captured() {
    return List.copyOf(captured);
  }

  /** The outcomes every following capture answers with. */
  public void answerWith(List<CapturedEvent> outcomes) {
    answer = List.copyOf(outcomes);
  }
}
