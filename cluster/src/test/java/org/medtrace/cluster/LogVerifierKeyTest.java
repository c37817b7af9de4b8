package org.medtrace.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.medtrace.merkle.note.Ed25519Pem;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;

/** {@code bin/medtrace log-vkey}: the verifier key of the log key a production node is configured with. */
class LogVerifierKeyTest {

  @TempDir Path directory;

  @Test
  void printsTheVerifierKeyOfTheConfiguredLogKeyUnderTheLogsName() throws Exception {
    KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path privateKey = directory.resolve("log-key.pem");
    Path publicKey = directory.resolve("log-key.pub.pem");
    Ed25519Pem.writePrivateKey(keys.getPrivate(), privateKey);
    Ed25519Pem.writePublicKey(keys.getPublic(), publicKey);

    Optional<String> vkey =
        Main.logVerifierKey(
            ConfigFactory.parseMap(
                    Map.of(
                        "medtrace.global-log.name", "ledger.st-mary.example/medtrace",
                        "medtrace.global-log.signing.private-key-file", privateKey.toString(),
                        "medtrace.global-log.signing.public-key-file", publicKey.toString()))
                .withFallback(ConfigFactory.load())
                .resolve());

    assertEquals(
        Optional.of(new NoteSigner("ledger.st-mary.example/medtrace", SignatureType.ED25519, keys).verifierKey().vkey()), vkey);
  }

  @Test
  void isEmptyWithoutALogKey() {
    assertEquals(Optional.empty(), Main.logVerifierKey(ConfigFactory.load()));
  }
}
