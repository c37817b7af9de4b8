package org.medtrace.identity;

import java.math.BigInteger;
import java.nio.file.Path;

/**
 * Where the network CA keeps its files (all PEM). The public part of the same layout — {@code
 * ca.pem}, {@code crl.pem} and {@code certs/} — is what a node reads as its trust directory
 * ({@link NetworkTrust}), so the CA's directory can be copied to a node without its {@code *.key.pem}
 * files.
 *
 * <pre>
 *   ca.pem                     the CA certificate (self-signed, Ed25519): public, give it to every node and auditor
 *   ca.key.pem                 the CA private key (PKCS#8, owner-only): keep it offline
 *   crl.pem                    the CA's signed certificate revocation list: public, re-signed on every revocation
 *   certs/&lt;serial&gt;.pem         every certificate the CA issued (serial in lower-case hex): public
 *   keys/&lt;serial&gt;.key.pem      the private key generated with that certificate (owner-only): hand it
 *                              to the organisation or node, then delete it here
 * </pre>
 */
public record CaDirectory(Path root) {

  public Path caCertificate() {
    return root.resolve("ca.pem");
  }

  public Path caPrivateKey() {
    return root.resolve("ca.key.pem");
  }

  public Path crl() {
    return root.resolve("crl.pem");
  }

  /** The CA-signed network policy ({@code ca policy}), public like the CRL. */
  public Path networkPolicy() {
    return root.resolve("network-policy.txt");
  }

  public Path certificates() {
    return root.resolve("certs");
  }

  public Path keys() {
    return root.resolve("keys");
  }

  public Path certificate(BigInteger serial) {
    return certificates().resolve(IssuedCertificate.serialHex(serial) + ".pem");
  }

  public Path privateKey(BigInteger serial) {
    return keys().resolve(IssuedCertificate.serialHex(serial) + ".key.pem");
  }
}
