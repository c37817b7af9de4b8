package org.medtrace.verify;

import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import org.medtrace.identity.NetworkPolicy;
import org.medtrace.identity.NetworkTrust;
import org.medtrace.merkle.note.NoteKey;

/**
 * Where an exporter finds the certificates a bundle carries: for the events' submission signatures,
 * the certificate of each key id (a certificate's key id is its SHA-256 fingerprint, so any copy is
 * the right one); for the log's and the witnesses' note keys, the CA's certificates of each key
 * ({@code ca certify}); the network CA's current CRL; and the CA-signed network policy.
 */
public interface SigningCertificates {

  /** The DER certificate whose key id is {@code keyId}, if the exporter has it. */
  Optional<byte[]> certificate(String keyId);

  /**
   * The DER certificates of note key {@code key} (the log's or a witness's) that the exporter has,
   * unchecked (the verifier checks them); none by default.
   */
  default List<byte[]> certificatesOfKey(NoteKey key) {
    return List.of();
  }

  /** The network CA's current CRL, DER, if the exporter has one. */
  Optional<byte[]> crl();

  /** The CA-signed network policy's text ({@code network-policy.txt}), if the exporter has one; none by default. */
  default Optional<String> networkPolicy() {
    return Optional.empty();
  }

  /**
   * What a trust directory ({@code NetworkTrust.load}) has: the certificates in its {@code certs/}
   * by key id and by note key, and its CRL.
   */
  static SigningCertificates of(NetworkTrust trust) {
    return new SigningCertificates() {
      @Override
      public Optional<byte[]> certificate(String keyId) {
        return trust.certificate(keyId).map(SigningCertificates::encoded);
      }

      @Override
      public List<byte[]> certificatesOfKey(NoteKey key) {
        return trust.certificatesOfKey(key.publicKey()).stream().map(SigningCertificates::encoded).toList();
      }

      @Override
      public Optional<String> networkPolicy() {
        return trust.networkPolicy().map(NetworkPolicy::text);
      }

      @Override
      public Optional<byte[]> crl() {
        return trust.crl().map(crl -> {
          try {
            return crl.getEncoded();
          } catch (CRLException e) {
            throw new IllegalStateException("a parsed CRL always encodes", e);
          }
        });
      }
    };
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("a parsed certificate always encodes", e);
    }
  }

  /** Nothing: bundles of nodes that take no signed submissions. */
  static SigningCertificates none() {
    return new SigningCertificates() {
      @Override
      public Optional<byte[]> certificate(String keyId) {
        return Optional.empty();
      }

      @Override
      public Optional<byte[]> crl() {
        return Optional.empty();
      }
    };
  }
}
