package org.medtrace.identity;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** Reading and writing the CA's PEM files: certificates, CRLs and PKCS#8 Ed25519 private keys. */
public final class Pem {

  private Pem() {}

  public static X509Certificate readCertificate(Path file) {
    try {
      return readCertificate(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read certificate " + file, e);
    }
  }

  /** A certificate from PEM or DER bytes. */
  public static X509Certificate readCertificate(byte[] pemOrDer) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pemOrDer));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  public static X509CRL readCrl(Path file) {
    try {
      return readCrl(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CRL " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " " + e.getMessage(), e);
    }
  }

  /** A CRL from PEM or DER bytes. */
  public static X509CRL readCrl(byte[] pemOrDer) {
    try {
      return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(pemOrDer));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("is not an X.509 CRL: " + e.getMessage(), e);
    }
  }

  /** An Ed25519 private key from a PKCS#8 PEM file ({@code -----BEGIN PRIVATE KEY-----}, as openssl writes it). */
  public static PrivateKey readPrivateKey(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object object = parser.readObject();
      if (!(object instanceof PrivateKeyInfo info)) {
        throw new IllegalArgumentException(file + " does not hold a PKCS#8 private key");
      }
      return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read private key " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(file + " is not an Ed25519 private key: " + e.getMessage(), e);
    }
  }

  /** The PEM text of a certificate, CRL, public or private key. */
  public static String encode(Object object) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** Writes a public file, replacing what was there. */
  public static void writePublic(Path file, Object object) {
    replace(file, encode(object));
  }

  /** Writes {@code text} (UTF-8) to a public file, replacing what was there. */
  static void replace(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(temporary, text, StandardCharsets.UTF_8);
      // A node may read the file at any moment: it sees the old one or the new one, never half.
      Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Writes a private key readable by its owner only; never overwrites one. */
  public static void writePrivate(Path file, PrivateKey key) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      if (Files.exists(file)) {
        throw new FileAlreadyExistsException(file.toString(), null, "a private key is never overwritten");
      }
      Files.createFile(file);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the directory's access rules are all there is.
      }
      Files.writeString(file, encode(key), StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
