package org.medtrace.identity;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * What the network reads from a certificate the CA issued: its key id, serial, holder and validity.
 *
 * <p>The subject names the holder: {@code O} is the organisation id (as in tokens' {@code org}
 * claim), {@code OU} its role in the network (e.g. {@code manufacturer}, or {@code node} for a
 * node's remoting certificate), {@code CN} both, for people reading it.
 *
 * @param keyId the certificate's SHA-256 fingerprint (over its DER encoding), 64 lower-case hex
 *     digits: the key id of signed submissions and of the events that store them. A fingerprint
 *     names one certificate of one CA, so two CAs that reuse a serial are never confused.
 */
public record IssuedCertificate(
    X509Certificate certificate, String keyId, BigInteger serial, String organisation, String role) {

  /** The role in the subject of a node's remoting certificate ({@code ca issue-node}). */
  public static final String NODE_ROLE = "node";

  public static IssuedCertificate of(X509Certificate certificate) {
    X500Name subject = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    return new IssuedCertificate(
        certificate,
        fingerprint(certificate),
        certificate.getSerialNumber(),
        attribute(subject, BCStyle.O).orElse(""),
        attribute(subject, BCStyle.OU).orElse(""));
  }

  /** Whether this is a node's remoting certificate, which never signs submissions. */
  public boolean isNodeCertificate() {
    return NODE_ROLE.equals(role);
  }

  /** Whether this certifies a note key (the log's or a witness's, {@code ca certify}), which signs no submissions. */
  public boolean isNoteKeyCertificate() {
    return NoteKeyRole.of(certificate).isPresent();
  }

  /** The subject's {@code CN}: for a note key's certificate, the key's name. */
  public String commonName() {
    return attribute(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), BCStyle.CN).orElse("");
  }

  public String serialHex() {
    return serialHex(serial);
  }

  public Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  public Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /** Lower-case hex, as in the file names of {@code certs/} and in {@code ca revoke}. */
  public static String serialHex(BigInteger serial) {
    return serial.toString(16);
  }

  /** The certificate's DER encoding: what its key id is the fingerprint of, and what nodes store and export. */
  public byte[] encoded() {
    return encoded(certificate);
  }

  /** The DER encoding of {@code certificate}. */
  public static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalArgumentException("the certificate cannot be encoded: " + e.getMessage(), e);
    }
  }

  /** The lower-case hex SHA-256 of the certificate's DER encoding. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encoded(certificate)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  private static Optional<String> attribute(X500Name name, ASN1ObjectIdentifier type) {
    RDN[] rdns = name.getRDNs(type);
    return rdns.length == 0
        ? Optional.empty()
        : Optional.of(
            rdns[0].getFirst().getValue() instanceof ASN1String text
                ? text.getString()
                : IETFUtils.valueToString(rdns[0].getFirst().getValue()));
  }
}
