package org.medtrace.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How old a signature may be when the node checks it, and at what time its certificate must be
 * valid. The transports differ: an HTTP request is checked while the client waits, a Kafka record
 * may wait in its topic for hours.
 */
public sealed interface SignatureFreshness {

  /** Why a signature signed at {@code signedAt} is not fresh at {@code now}; empty when it is. */
  Optional<String> problem(Instant signedAt, Instant now);

  /** The time at which the certificate must be within its validity period. */
  Instant certificateTime(Instant signedAt, Instant now);

  /**
   * Interactive requests: signed within {@code maxClockSkew} of now, either way; the certificate
   * valid now. The skew bound is also how long a captured request is usable at all.
   */
  record AroundNow(Duration maxClockSkew) implements SignatureFreshness {
    public AroundNow {
      requirePositive("max clock skew", maxClockSkew);
    }

    @Override
    public Optional<String> problem(Instant signedAt, Instant now) {
      Duration offset = Duration.between(signedAt, now).abs();
      return offset.compareTo(maxClockSkew) > 0
          ? Optional.of("signed " + offset.toSeconds() + " s from this node's clock; at most " + maxClockSkew.toSeconds() + " s are allowed")
          : Optional.empty();
    }

    @Override
    public Instant certificateTime(Instant signedAt, Instant now) {
      return now;
    }
  }

  /**
   * Queued records (Kafka): signed no later than {@code maxClockSkew} after now and no earlier than
   * {@code maxAge} before it; the certificate valid when the record was signed (revocation counts
   * whenever it happened: the CRL says nothing about which signatures a stolen key made before).
   * So a backlog replayed hours later still verifies, and a captured record is usable for {@code
   * maxAge} at most; within that, replaying the same record is absorbed by the entities'
   * idempotency on its message id, and its signature fits no other record.
   */
  record Backlog(Duration maxClockSkew, Duration maxAge) implements SignatureFreshness {
    public Backlog {
      requirePositive("max clock skew", maxClockSkew);
      requirePositive("max age", maxAge);
    }

    @Override
    public Optional<String> problem(Instant signedAt, Instant now) {
      if (signedAt.isAfter(now.plus(maxClockSkew))) {
        return Optional.of(
            "signed " + Duration.between(now, signedAt).toSeconds() + " s in the future of this node's clock; at most "
                + maxClockSkew.toSeconds() + " s are allowed");
      }
      if (signedAt.isBefore(now.minus(maxAge))) {
        return Optional.of(
            "signed " + Duration.between(signedAt, now).toSeconds() + " s ago; records older than " + maxAge.toSeconds()
                + " s are not accepted");
      }
      return Optional.empty();
    }

    @Override
    public Instant certificateTime(Instant signedAt, Instant now) {
      return signedAt;
    }
  }

  private static void requirePositive(String what, Duration duration) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("the " + what + " of signed submissions must be positive");
    }
  }
}
