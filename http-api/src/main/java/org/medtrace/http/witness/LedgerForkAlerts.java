package org.medtrace.http.witness;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.CommandResult;
import org.medtrace.actors.ledger.Role;
import org.medtrace.actors.witness.LogWitness;
import org.medtrace.http.Ledger;

/**
 * Records forks on the witness's own chain, the {@code log-witness} entity named like the witness:
 * its {@code LogForkDetected} events are alerts, and the entity keeps one per evidence id. The
 * acting party is the witness itself: organisation = the witness's name, role {@link Role#WITNESS}.
 *
 * <p>The ask carries the API's ledger timeout and circuit breaker: an entity that does not answer
 * fails the stage with a timeout (or an open breaker), which the API answers with 503 and {@code
 * Retry-After}. A refusal (a broken chain, say) fails it with the refusal's problem.
 */
public final class LedgerForkAlerts implements ForkAlerts {

  /** The user the witness service acts as, on the chain. */
  public static final String SERVICE_USER = "witness-service";

  private final Ledger ledger;

  public LedgerForkAlerts(Ledger ledger) {
    this.ledger = ledger;
  }

  @Override
  public CompletionStage<Void> record(String witness, WitnessFork fork) {
    ActingParty party = new ActingParty(witness, SERVICE_USER, Role.WITNESS);
    return ledger
        .<LogWitness.Command, CommandResult>ask(
            LogWitness.TYPE_KEY,
            witness,
            replyTo ->
                new LogWitness.RecordFork(
                    fork.origin(),
                    LogWitness.ForkKind.valueOf(fork.kind().name()),
                    fork.size(),
                    fork.evidenceId(),
                    fork.firstNote(),
                    fork.secondNote(),
                    fork.consistencyProof(),
                    party,
                    replyTo))
        .thenApply(
            result -> {
              if (result instanceof CommandResult.Rejected rejected) {
                throw Ledger.problem(rejected, Map.of());
              }
              return null;
            });
  }
}
