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
 */
public final class TokenVerifier {

  private final DefaultJWTProcessor<SecurityContext> processor;
  private final String organisationClaim;
  private final String roleClaim;

  public TokenVerifier(HttpApiSettings.Auth auth) {
    this(auth, jwkSource(auth));
  }

  TokenVerifier(HttpApiSettings.Auth auth, JWKSource<SecurityContext> keys) {
    this.organisationClaim = auth.organisationClaim();
    this.roleClaim = auth.roleClaim();
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
    JWTClaimsSet claims;
    try {
      claims = processor.process(header.substring(7).trim(), null);
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
      return new Caller(new ActingParty(organisation, claims.getSubject(), role));
    } catch (ParseException e) {
      throw new AuthenticationException("the token's " + organisationClaim + " and " + roleClaim + " claims must be strings");
    } catch (IllegalArgumentException e) {
      throw new AuthenticationException("the token does not name an acting party: " + e.getMessage());
    }
  }
}
