package org.medtrace.actors.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.medtrace.persistence.chain.ChainVerifier;
import org.medtrace.persistence.chain.ChainedEvent;
import org.medtrace.persistence.chain.JournalRecord;
import org.medtrace.persistence.chain.TrustedKeys;
import org.medtrace.persistence.chain.VerificationResult;

/**
 * What the entity tests share: an in-memory journal and snapshot store that round-trip every
 * command, event and state through serialization, parties of every role, a fixed clock, and a
 * check that what an entity stored verifies as a chain.
 */
public final class EntityTestSupport {

  /** A fixed "now" for entity tests: 2026-11-28T10:00:00Z. */
  public static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

  private EntityTestSupport() {}

  public static ActorTestKit testKit() {
    Config config =
        EventSourcedBehaviorTestKit.config()
            .withFallback(PersistenceTestKitSnapshotPlugin.config())
            .withFallback(ConfigFactory.parseString("pekko.actor.serialization-bindings { \"org.medtrace.actors.ledger.CborSerializable\" = jackson-cbor }"))
            .withFallback(ConfigFactory.load());
    return ActorTestKit.create(config);
  }

  public static LedgerSettings settings(int snapshotEvery) {
    return settings(Clock.fixed(NOW, ZoneOffset.UTC), snapshotEvery);
  }

  public static LedgerSettings settings(Clock clock, int snapshotEvery) {
    return new LedgerSettings(clock, Optional.empty(), snapshotEvery, 1000);
  }

  public static ActingParty party(Role role, String organisation) {
    return new ActingParty(organisation, role.wireName() + ".user@" + organisation, role);
  }

  public static ActingParty party(Role role, String organisation, String user) {
    return new ActingParty(organisation, user, role);
  }

  public static CommandResult.Accepted assertAccepted(CommandResult result) {
    return assertInstanceOf(CommandResult.Accepted.class, result, () -> "expected acceptance, got " + result);
  }

  public static CommandResult.Rejected assertRejected(Rejection reason, CommandResult result) {
    CommandResult.Rejected rejected =
        assertInstanceOf(CommandResult.Rejected.class, result, () -> "expected " + reason + ", got " + result);
    assertEquals(reason, rejected.reason(), rejected::message);
    return rejected;
  }

  /** The events a kit's journal holds for one entity, in order. */
  public static List<ChainedEvent> storedEvents(
      EventSourcedBehaviorTestKit<?, JournalRecord, ?> kit, String entityType, String entityId) {
    return kit.persistenceTestKit().persistedInStorage(PersistenceId.of(entityType, entityId).id()).stream()
        .map(ChainedEvent.class::cast)
        .toList();
  }

  /** Verifies the whole stored chain of one entity and returns its verdict. */
  public static VerificationResult verifyStored(
      EventSourcedBehaviorTestKit<?, JournalRecord, ?> kit, String entityType, String entityId) {
    ChainVerifier verifier = new ChainVerifier(entityType, entityId, TrustedKeys.none());
    long sequenceNumber = 0;
    for (ChainedEvent event : storedEvents(kit, entityType, entityId)) {
      verifier.accept(++sequenceNumber, event);
    }
    return verifier.result();
  }

  public static VerificationResult.Intact assertIntact(
      EventSourcedBehaviorTestKit<?, JournalRecord, ?> kit, String entityType, String entityId) {
    VerificationResult result = verifyStored(kit, entityType, entityId);
    return assertInstanceOf(VerificationResult.Intact.class, result, result::toString);
  }

  /** A clock a test can move forward. */
  public static final class MutableClock extends Clock {
    private Instant now;

    public MutableClock(Instant start) {
      this.now = start;
    }

    public void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
