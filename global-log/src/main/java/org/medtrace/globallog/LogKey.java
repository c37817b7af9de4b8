package org.medtrace.globallog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Optional;
import org.medtrace.merkle.note.Ed25519Pem;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignedNote;
import org.medtrace.merkle.note.SignatureType;

/**
 * The log's checkpoint-signing key (Ed25519, signature type 0x01, named after the log): from the
 * configured PEM files, or, in development mode, a key pair created once in a directory, as the
 * development token issuer does. The development key MUST NOT be used in production: anyone who can
 * read the directory can sign checkpoints.
 *
 * <p>Files of the development key: {@code log-key.pem} (private, owner-only), {@code
 * log-key.pub.pem} and {@code log.vkey} (the C2SP verifier key, for {@code medtrace-verify --trust-log}).
 */
public final class LogKey {

  static final String PRIVATE_FILE = "log-key.pem";
  static final String PUBLIC_FILE = "log-key.pub.pem";
  public static final String VKEY_FILE = "log.vkey";

  private LogKey() {}

  /** The configured signer, or empty when neither key files nor the development key are configured. */
  public static Optional<NoteSigner> load(GlobalLogSettings.Signing signing) {
    if (!signing.privateKeyFile().isBlank()) {
      return Optional.of(read(signing.logName(), signing.privateKeyFile(), signing.publicKeyFile()));
    }
    return signing.developmentKeyDir().map(dir -> loadOrCreate(signing.logName(), dir));
  }

  private static NoteSigner read(String logName, String privateFile, String publicFile) {
    if (publicFile.isBlank()) {
      throw new IllegalArgumentException("medtrace.global-log.signing.public-key-file is required with a private key file");
    }
    try {
      KeyPair pair =
          new KeyPair(
              Ed25519Pem.readPublicKey(Path.of(publicFile)), Ed25519Pem.readKeyPair(Path.of(privateFile)).getPrivate());
      NoteSigner signer = new NoteSigner(logName, SignatureType.ED25519, pair);
      // A public key that is not the private key's half would sign checkpoints nobody can verify.
      SignedNote.sign("medtrace log key check\n", signer).verify(signer.verifierKey());
      return signer;
    } catch (NoteException e) {
      throw new IllegalArgumentException("the log's public key " + publicFile + " is not the half of " + privateFile, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot read the log key " + privateFile + " / " + publicFile + ": " + e.getMessage(), e);
    }
  }

  private static synchronized NoteSigner loadOrCreate(String logName, Path directory) {
    Path privateFile = directory.resolve(PRIVATE_FILE);
    Path publicFile = directory.resolve(PUBLIC_FILE);
    try {
      if (!Files.exists(privateFile)) {
        Files.createDirectories(directory);
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Ed25519Pem.writePublicKey(pair.getPublic(), publicFile);
        Path temporary = Files.createTempFile(directory, "log-key", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Ed25519Pem.writePrivateKey(pair.getPrivate(), temporary);
        Files.move(temporary, privateFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      NoteSigner signer = read(logName, privateFile.toString(), publicFile.toString());
      Files.writeString(directory.resolve(VKEY_FILE), signer.verifierKey().vkey() + "\n", StandardCharsets.UTF_8);
      return signer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the development log key in " + directory, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the Java runtime provides Ed25519", e);
    }
  }
}
