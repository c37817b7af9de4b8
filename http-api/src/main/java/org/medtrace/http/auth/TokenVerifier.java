package org.medtrace.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.HttpApiSettings;

/**
 * Checks bearer tokens (signed JWTs) with Nimbus JOSE+JWT: the signature against the issuer's JWKS
 * with an allowed algorithm, the issuer, the audience, expiry and not-before (with the configured
 * clock skew), and the presence of subject, organisation and role. The caller it returns is the
 * acting party of the request's commands; nothing in a request body can change it.
 *
 * <p>A client sends the same token with every request until it expires, and checking its ES256
 * signature is the largest single cost of a small read. So a token that passed is remembered, by
 * its exact text, for at most {@link #RECHECK_AFTER}: a request with the same text within that
 * time skips the signature and claim checks but not the expiry (with the clock skew, against the
 * claims that were checked; not-before, checked once, cannot become false later). A token is
 * never accepted past its own lifetime; a key withdrawn from the issuer's JWKS stops its tokens
 * within {@link #RECHECK_AFTER} more than it would otherwise (a JWKS fetched by URL is cached for
 * minutes anyway).
 */
public final class TokenVerifier {

  /** How long a checked token is taken on its word before its signature is checked again. */
  static final Duration RECHECK_AFTER = Duration.ofMinutes(1);

  /** Checked tokens remembered at most; the least recently used is forgotten first. */
  static final int REMEMBERED_TOKENS = 10_000;

  private final DefaultJWTProcessor<SecurityContext> processor;
  private final String organisationClaim;
  private final String roleClaim;
  private final Duration clockSkew;
  private final Clock clock;
  private final Map<String, CheckedToken> checked = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, CheckedToken> eldest) {
      return size() > REMEMBERED_TOKENS;
    }
  };

  private record CheckedToken(Caller caller, Instant expires, Instant recheckAt) {}

  public TokenVerifier(HttpApiSettings.Auth auth) {
    this(auth, jwkSource(auth), Clock.systemUTC());
  }

  TokenVerifier(HttpApiSettings.Auth auth, JWKSource<SecurityContext> keys, Clock clock) {
    this.organisationClaim = auth.organisationClaim();
    this.roleClaim = auth.roleClaim();
    this.clockSkew = auth.clockSkew();
    this.clock = clock;
    Set<JWSAlgorithm> algorithms = auth.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
    processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            Set.of(auth.audience()),
            new JWTClaimsSet.Builder().issuer(auth.issuer()).build(),
            Set.of("sub", "exp", organisationClaim, roleClaim),
            Set.of());
    claims.setMaxClockSkew((int) auth.clockSkew().toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
  }

  private static JWKSource<SecurityContext> jwkSource(HttpApiSettings.Auth auth) {
    if (auth.jwksFile().isPresent()) {
      return new FileJwkSource(auth.jwksFile().get());
    }
    try {
      return JWKSourceBuilder.create(auth.jwksUrl().orElseThrow().toURL()).build();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("medtrace.http.auth.jwks-url is not a URL: " + e.getMessage(), e);
    }
  }

  /** The caller of a request with this {@code Authorization} header value (or none). */
  public Caller verify(Optional<String> authorization) throws AuthenticationException {
    String header = authorization.orElseThrow(() -> new AuthenticationException("a bearer token is required"));
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new AuthenticationException("the Authorization header must be 'Bearer <token>'");
    }
    String token = header.substring(7).trim();
    Instant now = clock.instant();
    CheckedToken remembered;
    synchronized (checked) {
      remembered = checked.get(token);
    }
    if (remembered != null && now.isBefore(remembered.recheckAt())) {
      if (now.isAfter(remembered.expires().plus(clockSkew))) {
        throw new AuthenticationException("the bearer token was refused: Expired JWT");
      }
      return remembered.caller();
    }
    CheckedToken passed = check(token, now);
    synchronized (checked) {
      checked.put(token, passed);
    }
    return passed.caller();
  }

  private CheckedToken check(String token, Instant now) throws AuthenticationException {
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (ParseException e) {
      throw new AuthenticationException("the bearer token is not a JWT: " + e.getMessage());
    } catch (BadJOSEException e) {
      throw new AuthenticationException("the bearer token was refused: " + e.getMessage());
    } catch (JOSEException e) {
      throw new AuthenticationException("the bearer token could not be checked: " + e.getMessage());
    }
    try {
      String organisation = claims.getStringClaim(organisationClaim);
      String roleName = claims.getStringClaim(roleClaim);
      Role role =
          Role.fromWireName(roleName)
              .orElseThrow(() -> new AuthenticationException("the token's role '" + roleName + "' is not a role of the network"));
      return new CheckedToken(
          new Caller(new ActingParty(organisation, claims.getSubject(), role)),
          // "exp" is a required claim: the processor refused a token without it.
          claims.getExpirationTime().toInstant(),
          now.plus(RECHECK_AFTER));
    } catch (ParseException e) {
      throw new AuthenticationException("the token's " + organisationClaim + " and " + roleClaim + " claims must be strings");
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException("the token does not name an acting party: " + e.getMessage());
    }
  }
}
