package org.medtrace.verify;

import java.util.Optional;

/**
 * Where an exporter finds what a bundle carries for the events' submission signatures: the
 * certificate of each key id (a certificate's key id is its SHA-256 fingerprint, so any copy is the
 * right one) and the network CA's current CRL.
 */
public interface SigningCertificates {

  /** The DER certificate whose key id is {@code keyId}, if the exporter has it. */
  Optional<byte[]> certificate(String keyId);

  /** The network CA's current CRL, DER, if the exporter has one. */
  Optional<byte[]> crl();

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
