package org.medtrace.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.actors.ledger.ActingParty;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.AdjustableClock;
import org.medtrace.http.HttpApiSettings;

/**
 * Bearer tokens: the development issuer's tokens verify to the acting party they name, and tokens
 * with a bad signature, issuer, audience, expiry, not-before, algorithm or claims are refused.
 */
class TokenVerifierTest {

  private static final String ISSUER = "https://issuer.test";
  private static final String AUDIENCE = "medtrace-api";

  @TempDir Path directory;

  private HttpApiSettings.Auth auth(Path keyDirectory) {
    return new HttpApiSettings.Auth(
        ISSUER,
        AUDIENCE,
        Optional.empty(),
        Optional.empty(),
        List.of("ES256", "RS256"),
        Duration.ofSeconds(30),
        "org",
        "role",
        Optional.of(new HttpApiSettings.DevelopmentIssuer(keyDirectory, Duration.ofHours(1))));
  }

  private JWTClaimsSet.Builder validClaims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject("dr-who")
        .claim("org", "st-mary")
        .claim("role", "clinician")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(600)));
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  @Test
  void aMintedTokenNamesTheActingParty() throws Exception {
    HttpApiSettings.Auth auth = auth(directory);
    DevTokenIssuer issuer = DevTokenIssuer.loadOrCreate(auth);
    TokenVerifier verifier = new TokenVerifier(auth);

    Caller caller = verifier.verify(Optional.of(bearer(issuer.mint(Role.DEVICE_ENGINEER, "st-mary", "eng-7", Duration.ofMinutes(5)))));

    assertEquals(new ActingParty("st-mary", "eng-7", Role.DEVICE_ENGINEER), caller.party());
  }

  @Test
  void theDevelopmentKeyIsCreatedOnceAndReused() throws Exception {
    HttpApiSettings.Auth auth = auth(directory);
    DevTokenIssuer first = DevTokenIssuer.loadOrCreate(auth);
    String jwks = Files.readString(directory.resolve("jwks.json"));
    String token = first.mint(Role.PATIENT, "patients", "patient-0001", Duration.ofMinutes(5));

    DevTokenIssuer.loadOrCreate(auth);

    assertEquals(jwks, Files.readString(directory.resolve("jwks.json")));
    assertTrue(!jwks.contains("\"d\""), "the JWKS file holds no private key part");
    assertEquals("patient-0001", new TokenVerifier(auth).verify(Optional.of(bearer(token))).user());
  }

  @Test
  void refusesTokensThatAreMissingExpiredEarlyMisaddressedOrForged() throws Exception {
    HttpApiSettings.Auth auth = auth(directory);
    DevTokenIssuer issuer = DevTokenIssuer.loadOrCreate(auth);
    DevTokenIssuer stranger = DevTokenIssuer.loadOrCreate(auth(directory.resolve("other")));
    TokenVerifier verifier = new TokenVerifier(auth);
    Instant now = Instant.now();

    assertRefused(verifier, null, "a bearer token is required");
    assertRefused(verifier, "Basic dXNlcjpwYXNz", "Bearer");
    assertRefused(verifier, bearer("not-a-jwt"), "not a JWT");
    assertRefused(
        verifier, bearer(issuer.sign(validClaims().expirationTime(Date.from(now.minusSeconds(120))).build())), "expired");
    assertRefused(verifier, bearer(issuer.sign(validClaims().notBeforeTime(Date.from(now.plusSeconds(600))).build())), "before");
    assertRefused(verifier, bearer(issuer.sign(validClaims().audience("someone-else").build())), "aud");
    assertRefused(verifier, bearer(issuer.sign(validClaims().issuer("https://evil.test").build())), "iss");
    assertRefused(verifier, bearer(stranger.sign(validClaims().build())), "refused");
    assertRefused(verifier, bearer(new PlainJWT(validClaims().build()).serialize()), "refused");
    assertRefused(verifier, bearer(issuer.sign(validClaims().claim("org", null).build())), "org");
    assertRefused(verifier, bearer(issuer.sign(validClaims().claim("role", "superuser").build())), "superuser");
    assertRefused(verifier, bearer(issuer.sign(validClaims().subject(null).build())), "sub");
  }

  @Test
  void toleratesTheConfiguredClockSkew() throws Exception {
    HttpApiSettings.Auth auth = auth(directory);
    DevTokenIssuer issuer = DevTokenIssuer.loadOrCreate(auth);
    String justExpired = issuer.sign(validClaims().expirationTime(Date.from(Instant.now().minusSeconds(5))).build());

    assertEquals("dr-who", new TokenVerifier(auth).verify(Optional.of(bearer(justExpired))).user());
  }

  @Test
  void aCheckedTokenIsTakenOnItsWordForAMinuteButNeverPastItsExpiry() throws Exception {
    HttpApiSettings.Auth auth = auth(directory);
    DevTokenIssuer issuer = DevTokenIssuer.loadOrCreate(auth);
    AtomicInteger keyLookups = new AtomicInteger();
    FileJwkSource keys = new FileJwkSource(auth.jwksFile().orElseThrow());
    AdjustableClock clock = new AdjustableClock();
    Instant start = Instant.now();
    TokenVerifier verifier =
        new TokenVerifier(
            auth,
            (selector, context) -> {
              keyLookups.incrementAndGet();
              return keys.get(selector, context);
            },
            clock);
    // Expires 10 s from now; with the 30 s skew it is refused from 40 s on, before a recheck is due.
    String token = bearer(issuer.sign(validClaims().expirationTime(Date.from(start.plusSeconds(10))).build()));

    assertEquals("dr-who", verifier.verify(Optional.of(token)).party().user());
    assertEquals(1, keyLookups.get());
    clock.advance(Duration.ofSeconds(39));
    assertEquals("dr-who", verifier.verify(Optional.of(token)).party().user());
    assertEquals(1, keyLookups.get(), "the signature was checked again within the minute");
    clock.advance(Duration.ofSeconds(2));
    assertRefused(verifier, token, "expired");

    String longLived = bearer(issuer.sign(validClaims().build()));
    verifier.verify(Optional.of(longLived));
    clock.advance(TokenVerifier.RECHECK_AFTER.plusSeconds(1));
    verifier.verify(Optional.of(longLived));
    assertEquals(3, keyLookups.get(), "a minute on, the signature is checked again");
    // Another text is another token: a forged one is checked, not matched to a remembered one.
    assertRefused(verifier, longLived.substring(0, longLived.length() - 4) + "AAAA", "refused");
  }

  private static void assertRefused(TokenVerifier verifier, String header, String expectedInMessage) {
    AuthenticationException refused =
        assertThrows(AuthenticationException.class, () -> verifier.verify(Optional.ofNullable(header)), header);
    assertTrue(
        refused.getMessage().toLowerCase(java.util.Locale.ROOT).contains(expectedInMessage.toLowerCase(java.util.Locale.ROOT)),
        "expected '" + expectedInMessage + "' in: " + refused.getMessage());
  }
}
