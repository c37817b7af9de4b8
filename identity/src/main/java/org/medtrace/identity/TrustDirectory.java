package org.medtrace.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * A node's trust directory and certificates' folder ({@link TrustLocation}, read as {@link
 * NetworkTrust}), re-read when the last reading is older than the reload interval, so that a new
 * {@code crl.pem} or certificate takes effect without a restart.
 *
 * <p>It fails closed: when a reload fails, {@link #current} throws (and keeps trying on every call)
 * rather than run on the old CRL, which could accept a certificate revoked since.
 */
public final class TrustDirectory {

  /** Thrown by {@link #current} while the directory cannot be read: no signature can be checked now. */
  public static final class Unavailable extends IllegalStateException {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final TrustLocation location;
  private final Duration reloadInterval;
  private final Clock clock;
  private final Consumer<String> warnings;
  private NetworkTrust trust;
  private Instant loadedAt;

  /**
   * Reads {@code location} now, so that a node with an unreadable one fails at start-up.
   *
   * @param warnings told when the CRL is past its next-update time (revocations since may be missing)
   * @throws IllegalStateException as {@link NetworkTrust#load(TrustLocation)}
   */
  public TrustDirectory(TrustLocation location, Duration reloadInterval, Clock clock, Consumer<String> warnings) {
    this.location = location;
    this.reloadInterval = reloadInterval;
    this.clock = clock;
    this.warnings = warnings;
    load();
  }

  public TrustLocation location() {
    return location;
  }

  /**
   * The trust as of at most the reload interval ago.
   *
   * @throws Unavailable when it was due for a reload and could not be read
   */
  public synchronized NetworkTrust current() {
    if (Duration.between(loadedAt, clock.instant()).compareTo(reloadInterval) >= 0) {
      try {
        load();
      } catch (RuntimeException e) {
        loadedAt = Instant.MIN;
        throw new Unavailable("the trust directory " + location + " cannot be read: " + e.getMessage(), e);
      }
    }
    return trust;
  }

  private void load() {
    trust = NetworkTrust.load(location);
    loadedAt = clock.instant();
    trust.crlNextUpdate()
        .filter(next -> next.isBefore(loadedAt))
        .ifPresent(next -> warnings.accept("the CRL in " + location.directory() + " was due for renewal at " + next + ": revocations since may be missing"));
  }
}
