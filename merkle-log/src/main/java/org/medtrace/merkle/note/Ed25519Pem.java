package org.medtrace.merkle.note;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Ed25519 keys in the PEM files OpenSSL writes: a private key as PKCS#8 ({@code openssl genpkey
 * -algorithm ed25519}), a public key as X.509 SubjectPublicKeyInfo ({@code openssl pkey -pubout}).
 */
public final class Ed25519Pem {

  private static final String PRIVATE_KEY = "PRIVATE KEY";
  private static final String PUBLIC_KEY = "PUBLIC KEY";

  private Ed25519Pem() {}

  /**
   * The key pair of the private key in {@code file}. The public key is computed from the private
   * one, so a key file is all a signer needs.
   *
   * @throws IllegalArgumentException if the file holds no Ed25519 private key
   */
  public static KeyPair readKeyPair(Path file) {
    try {
      PrivateKey privateKey =
          KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(content(file, PRIVATE_KEY)));
      return new KeyPair(publicKeyOf(privateKey), privateKey);
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read the Ed25519 private key " + file + ": " + e.getMessage(), e);
    }
  }

  /** @throws IllegalArgumentException if the file holds no Ed25519 public key */
  public static PublicKey readPublicKey(Path file) {
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(content(file, PUBLIC_KEY)));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read the Ed25519 public key " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code privateKey} as a PKCS#8 PEM file that {@link #readKeyPair} and OpenSSL read. */
  public static void writePrivateKey(PrivateKey privateKey, Path file) throws IOException {
    Files.writeString(file, pem(PRIVATE_KEY, privateKey.getEncoded()));
  }

  /** Writes {@code publicKey} as an X.509 SubjectPublicKeyInfo PEM file that {@link #readPublicKey} and OpenSSL read. */
  public static void writePublicKey(PublicKey publicKey, Path file) throws IOException {
    Files.writeString(file, pem(PUBLIC_KEY, publicKey.getEncoded()));
  }

  private static String pem(String label, byte[] der) {
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }

  /**
   * The JDK has no call that derives an Ed25519 public key from a private one, but its key pair
   * generator takes the 32-byte private key from the random source it is given: fed the existing
   * key, it computes the matching public key (RFC 8032 section 5.1.5). The result is checked.
   */
  private static PublicKey publicKeyOf(PrivateKey privateKey) throws GeneralSecurityException {
    if (!(privateKey instanceof EdECPrivateKey edec) || edec.getBytes().isEmpty()) {
      throw new GeneralSecurityException("not an Ed25519 private key");
    }
    byte[] seed = edec.getBytes().get();
    KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
    generator.initialize(NamedParameterSpec.ED25519, new FixedBytes(seed));
    KeyPair derived = generator.generateKeyPair();
    byte[] derivedSeed = ((EdECPrivateKey) derived.getPrivate()).getBytes().orElseThrow();
    if (!Arrays.equals(seed, derivedSeed)) {
      throw new GeneralSecurityException("could not derive the public key of the private key");
    }
    return derived.getPublic();
  }

  private static byte[] content(Path file, String label) throws IOException {
    String pem = Files.readString(file);
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("no " + label + " block in " + file);
    }
    return Base64.getDecoder().decode(pem.substring(from + begin.length(), to).replaceAll("\\s", ""));
  }

  /** A "random" source that hands out one fixed byte string (see {@link #publicKeyOf}). */
  private static final class FixedBytes extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    FixedBytes(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
      if (out.length != bytes.length) {
        throw new IllegalStateException("expected a request for " + bytes.length + " bytes, got " + out.length);
      }
      System.arraycopy(bytes, 0, out, 0, out.length);
    }
  }
}
