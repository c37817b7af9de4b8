package org.medtrace.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /api/v1/epcis/capture}: a supply-chain partner sends a GS1 EPCIS 2.0 document
 * (JSON) and its events become drug batch commands, acting as the caller. Events are independent:
 * those the ledger accepts are recorded even when another is refused; the answer lists each event's
 * outcome, with 200 when all are recorded and a 422 problem naming the refused ones otherwise.
 */
final class EpcisEndpoints {

  record CaptureResult(int events, int stored, List<EpcisCaptureService.CapturedEvent> outcomes) {}

  private final Optional<EpcisCaptureService> capture;

  EpcisEndpoints(Optional<EpcisCaptureService> capture) {
    this.capture = capture;
  }

  List<Endpoint> endpoints() {
    return List.of(Endpoint.secured("POST", "/api/v1/epcis/capture", "captureEpcis", AccessRules.SUPPLY_CHAIN, this::capture));
  }

  private CompletionStage<ApiResponse> capture(Call call) {
    if (call.body().length == 0) {
      throw new Problem(Problem.Type.MALFORMED_REQUEST, "the request body must be an EPCIS 2.0 JSON document");
    }
    EpcisCaptureService service =
        capture.orElseThrow(() -> new Problem(Problem.Type.UNAVAILABLE, "EPCIS capture is not running on this node"));
    return service
        .capture(call.body(), call.callerOrFail().party())
        .thenApply(
            outcomes -> {
              List<EpcisCaptureService.CapturedEvent> refused =
                  outcomes.stream().filter(outcome -> !outcome.stored()).toList();
              CaptureResult result = new CaptureResult(outcomes.size(), outcomes.size() - refused.size(), outcomes);
              if (outcomes.isEmpty()) {
                throw new Problem(Problem.Type.INVALID_FIELD, "the document has no events", Map.of("field", "epcisBody.eventList"));
              }
              if (!refused.isEmpty()) {
                throw new Problem(
                    Problem.Type.BUSINESS_RULE,
                    refused.size() + " of " + outcomes.size() + " events were refused (the others are recorded): "
                        + refused.get(0).event() + ": " + refused.get(0).message(),
                    Map.of("outcomes", outcomes));
              }
              return ApiResponse.ok(result);
            });
  }
}
