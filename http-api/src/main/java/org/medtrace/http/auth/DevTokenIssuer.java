package org.medtrace.http.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.medtrace.actors.ledger.Role;
import org.medtrace.http.HttpApiSettings;

/**
 * The development issuer: an ES256 key of its own, created once in a directory, whose public half
 * it writes as the JWKS file the node's {@link TokenVerifier} reads, and with which it mints tokens
 * for any role, organisation and user. It makes a new developer's first call one command away, and
 * MUST NOT be enabled in production (anyone who can read the directory can act as anyone).
 *
 * <p>Files in the key directory: {@code dev-issuer.jwk.json} (the private key, owner-only) and
 * {@code jwks.json} (the public key set).
 */
public final class DevTokenIssuer {

  static final String PRIVATE_KEY_FILE = "dev-issuer.jwk.json";

  private final ECKey key;
  private final String issuer;
  private final String audience;
  private final String organisationClaim;
  private final String roleClaim;
  private final Clock clock;

  private DevTokenIssuer(ECKey key, HttpApiSettings.Auth auth, Clock clock) {
    this.key = key;
    this.issuer = auth.issuer();
    this.audience = auth.audience();
    this.organisationClaim = auth.organisationClaim();
    this.roleClaim = auth.roleClaim();
    this.clock = clock;
  }

  /**
   * The issuer of {@code auth}'s development key directory, creating its key and JWKS file the first
   * time. Safe to call from the node and from the token command in either order.
   */
  public static DevTokenIssuer loadOrCreate(HttpApiSettings.Auth auth) {
    HttpApiSettings.DevelopmentIssuer dev =
        auth.developmentIssuer()
            .orElseThrow(() -> new IllegalStateException("medtrace.http.auth.development-issuer.enabled is off"));
    return new DevTokenIssuer(loadOrCreateKey(dev), auth, Clock.systemUTC());
  }

  private static synchronized ECKey loadOrCreateKey(HttpApiSettings.DevelopmentIssuer dev) {
    Path directory = dev.keyDirectory();
    Path privateFile = directory.resolve(PRIVATE_KEY_FILE);
    try {
      Files.createDirectories(directory);
      ECKey key;
      if (Files.exists(privateFile)) {
        key = ECKey.parse(Files.readString(privateFile));
      } else {
        key =
            new ECKeyGenerator(Curve.P_256)
                .keyUse(KeyUse.SIGNATURE)
                .algorithm(JWSAlgorithm.ES256)
                .keyID("medtrace-dev-" + UUID.randomUUID())
                .generate();
        writeAtomically(privateFile, key.toJSONString(), true);
      }
      String publicJwks = new JWKSet(key.toPublicJWK()).toString();
      Path jwks = dev.jwksFile();
      if (!Files.exists(jwks) || !Files.readString(jwks).equals(publicJwks)) {
        writeAtomically(jwks, publicJwks, false);
      }
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the development issuer key in " + directory, e);
    } catch (ParseException | JOSEException e) {
      throw new IllegalStateException("the development issuer key in " + privateFile + " is unusable: " + e.getMessage(), e);
    }
  }

  private static void writeAtomically(Path file, String content, boolean ownerOnly) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temporary, content);
    if (ownerOnly) {
      try {
        Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the directory's own protection has to do.
      }
    }
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A token for {@code user} of {@code organisation} acting as {@code role}, valid for {@code lifetime}. */
  public String mint(Role role, String organisation, String user, Duration lifetime) {
    Instant now = clock.instant();
    return sign(
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(audience)
            .subject(user)
            .claim(organisationClaim, organisation)
            .claim(roleClaim, role.wireName())
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .jwtID(UUID.randomUUID().toString())
            .build());
  }

  /** Signs arbitrary claims with the development key (tests use it for tokens that must be refused). */
  public String sign(JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a development token: " + e.getMessage(), e);
    }
  }
}
