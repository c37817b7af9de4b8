package org.medtrace.http;

import com.typesafe.config.Config;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.medtrace.actors.ledger.SignatureRequirement;
import org.medtrace.identity.TrustLocation;

/**
 * The HTTP API's settings, read once from {@code medtrace.http} (see the module's {@code
 * reference.conf} for what each key implies).
 */
public record HttpApiSettings(
    String interfaceName,
    int port,
    long maxRequestBytes,
    Duration requestTimeout,
    Duration askTimeout,
    Duration queryTimeout,
    int maxPageSize,
    AlertQuery alertQuery,
    Duration retryAfter,
    LedgerBreaker ledgerBreaker,
    Auth auth,
    SignedSubmissionSettings signedSubmissions) {

  /**
   * When the API stops asking an unanswering ledger ({@code medtrace.http.ledger-breaker}).
   *
   * @param maxFailures consecutive asks without an answer after which the API stops asking
   * @param resetTimeout how long it then answers 503 at once before letting one ask through
   */
  public record LedgerBreaker(int maxFailures, Duration resetTimeout) {
    public LedgerBreaker {
      if (maxFailures < 1) {
        throw new IllegalArgumentException("medtrace.http.ledger-breaker.max-failures must be at least 1");
      }
    }
  }

  /**
   * How {@code GET /api/v1/alerts} reads ({@code medtrace.http.alerts}).
   *
   * @param maxSpan the most time one request reads; a longer one answers a {@code nextSince} to go on from
   * @param parallelReads time buckets of the tag view read at once
   */
  public record AlertQuery(Duration maxSpan, int parallelReads) {
    public AlertQuery {
      if (maxSpan.isNegative() || maxSpan.isZero()) {
        throw new IllegalArgumentException("medtrace.http.alerts.max-span must be positive");
      }
      if (parallelReads < 1) {
        throw new IllegalArgumentException("medtrace.http.alerts.parallel-reads must be at least 1");
      }
    }
  }

  /**
   * How signed submissions are checked ({@code medtrace.http.signed-submissions}).
   *
   * @param trustDirectory the network CA's public files ({@code ca.pem}, {@code crl.pem}, {@code
   *     certs/}, the certificates possibly in a folder of their own); empty: this node cannot check
   *     signatures and refuses signed requests
   * @param maxClockSkew how far a request's signing time may lie from the node's clock, either way
   * @param reloadInterval how often the trust directory is re-read (a new CRL takes effect within it)
   * @param required whose writes must be signed (by organisation, or by role whatever the organisation)
   */
  public record SignedSubmissionSettings(
      Optional<TrustLocation> trustDirectory,
      Duration maxClockSkew,
      Duration reloadInterval,
      SignatureRequirement required) {

    public SignedSubmissionSettings {
      if (trustDirectory.isEmpty() && !required.isEmpty()) {
        throw new IllegalArgumentException(
            "medtrace.http.signed-submissions requires signatures but names no trust-dir to check them with");
      }
      if (maxClockSkew.isNegative() || maxClockSkew.isZero()) {
        throw new IllegalArgumentException("medtrace.http.signed-submissions.max-clock-skew must be positive");
      }
    }

    static SignedSubmissionSettings from(Config config) {
      return new SignedSubmissionSettings(
          TrustLocation.fromSettings(config.getString("trust-dir"), config.getString("trust-certs-dir"), "medtrace.http.signed-submissions"),
          config.getDuration("max-clock-skew"),
          config.getDuration("reload-interval"),
          SignatureRequirement.of(
              config.getStringList("required-for-organisations"),
              config.getStringList("required-for-roles"),
              "medtrace.http.signed-submissions"));
    }
  }

  /**
   * How bearer tokens are checked.
   *
   * @param jwksFile the issuer's public keys as a JWKS file, or empty
   * @param jwksUrl the issuer's JWKS endpoint, or empty; exactly one of the two is present
   * @param developmentIssuer present in development mode only
   */
  public record Auth(
      String issuer,
      String audience,
      Optional<Path> jwksFile,
      Optional<URI> jwksUrl,
      List<String> algorithms,
      Duration clockSkew,
      String organisationClaim,
      String roleClaim,
      Optional<DevelopmentIssuer> developmentIssuer) {

    public Auth {
      algorithms = List.copyOf(algorithms);
      if (developmentIssuer.isPresent()) {
        jwksFile = Optional.of(developmentIssuer.get().jwksFile());
        jwksUrl = Optional.empty();
      }
      if (jwksFile.isPresent() == jwksUrl.isPresent()) {
        throw new IllegalArgumentException(
            "set exactly one of medtrace.http.auth.jwks-file and medtrace.http.auth.jwks-url"
                + " (or enable the development issuer)");
      }
      if (algorithms.isEmpty()) {
        throw new IllegalArgumentException("medtrace.http.auth.algorithms must name at least one algorithm");
      }
    }
  }

  /** The development issuer's key directory and the default lifetime of the tokens it mints. */
  public record DevelopmentIssuer(Path keyDirectory, Duration tokenLifetime) {
    public Path jwksFile() {
      return keyDirectory.resolve("jwks.json");
    }
  }

  public HttpApiSettings {
    if (!askTimeout.minus(requestTimeout).isNegative()) {
      throw new IllegalArgumentException(
          "medtrace.http.ask-timeout (" + askTimeout + ") must be shorter than request-timeout (" + requestTimeout + ")");
    }
    if (maxPageSize < 1) {
      throw new IllegalArgumentException("medtrace.http.max-page-size must be at least 1");
    }
  }

  public static HttpApiSettings from(Config config) {
    Config http = config.getConfig("medtrace.http");
    Config auth = http.getConfig("auth");
    Config dev = auth.getConfig("development-issuer");
    return new HttpApiSettings(
        http.getString("interface"),
        http.getInt("port"),
        http.getBytes("max-request-size"),
        http.getDuration("request-timeout"),
        http.getDuration("ask-timeout"),
        http.getDuration("query-timeout"),
        http.getInt("max-page-size"),
        new AlertQuery(http.getDuration("alerts.max-span"), http.getInt("alerts.parallel-reads")),
        http.getDuration("retry-after"),
        new LedgerBreaker(http.getInt("ledger-breaker.max-failures"), http.getDuration("ledger-breaker.reset-timeout")),
        new Auth(
            auth.getString("issuer"),
            auth.getString("audience"),
            nonEmpty(auth.getString("jwks-file")).map(Path::of),
            nonEmpty(auth.getString("jwks-url")).map(URI::create),
            auth.getStringList("algorithms"),
            auth.getDuration("clock-skew"),
            auth.getString("organisation-claim"),
            auth.getString("role-claim"),
            dev.getBoolean("enabled")
                ? Optional.of(new DevelopmentIssuer(Path.of(dev.getString("key-dir")), dev.getDuration("token-lifetime")))
                : Optional.empty()),
        SignedSubmissionSettings.from(http.getConfig("signed-submissions")));
  }

  private static Optional<String> nonEmpty(String value) {
    return value.isBlank() ? Optional.empty() : Optional.of(value);
  }
}
