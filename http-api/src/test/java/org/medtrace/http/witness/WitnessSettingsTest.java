package org.medtrace.http.witness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.medtrace.merkle.note.Ed25519Pem;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;

class WitnessSettingsTest {

  private final NoteKey logKey = NoteSigner.generate("medtrace.example/ledger", SignatureType.ED25519).verifierKey();

  private static WitnessSettings settings(String witness) {
    return WitnessSettings.from(ConfigFactory.parseString("medtrace.witness {" + witness + "}").withFallback(ConfigFactory.load()).resolve());
  }

  @Test
  void offByDefault() {
    assertFalse(WitnessSettings.from(ConfigFactory.load()).enabled());
  }

  @Test
  void readsTheKeyFileAndExpandsAllSlicesOfALog() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path keyFile = Files.createTempDirectory("witness-settings").resolve("witness.pem");
    Ed25519Pem.writePrivateKey(pair.getPrivate(), keyFile);

    WitnessSettings settings =
        settings(
            """
            enabled = on
            name = "regulator"
            key-file = "%s"
            trusted-logs = [
              { origin = "medtrace.example/ledger/slice-*", key = "%s" }
              { origin = "other.example/log", key = "%s" }
            ]
            """
                .formatted(keyFile, logKey.vkey(), logKey.vkey()));

    assertEquals(NoteKey.of("regulator", SignatureType.COSIGNATURE_V1, pair.getPublic()), settings.cosigner().orElseThrow().verifierKey());
    assertEquals(17, settings.trustedLogs().size());
    assertEquals(logKey, settings.trustedLogs().get("medtrace.example/ledger/slice-15"));
    assertTrue(settings.trustedLogs().containsKey("other.example/log"));
    assertFalse(settings.selfWitness());
  }

  @Test
  void theForkAlertSweepRunsAtAPositiveInterval() {
    assertEquals(Duration.ofMinutes(5), WitnessSettings.from(ConfigFactory.load()).alertSweepInterval());
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> settings("alert-sweep-interval = 0s"));
    assertTrue(zero.getMessage().contains("alert-sweep-interval"), zero.getMessage());
  }

  @Test
  void aDevelopmentSelfWitnessMustSayItIsNotIndependent() throws Exception {
    Path keyDir = Files.createTempDirectory("witness-settings");
    WitnessSettings self =
        settings("enabled = on\ndevelopment-self-witness { enabled = on, key-dir = \"" + keyDir + "\" }");
    assertTrue(self.selfWitness());
    assertTrue(self.cosigner().orElseThrow().verifierKey().name().contains(WitnessSettings.SELF_WITNESS_LABEL));
    // Its verifier key is written for the CA to certify it (ca certify --role witness --vkey).
    assertEquals(
        self.cosigner().orElseThrow().verifierKey().vkey() + "\n", Files.readString(keyDir.resolve(WitnessSettings.DEVELOPMENT_VKEY_FILE)));
    // The key is created once and then reused.
    assertEquals(
        self.cosigner().orElseThrow().verifierKey(),
        settings("enabled = on\ndevelopment-self-witness { enabled = on, key-dir = \"" + keyDir + "\" }").cosigner().orElseThrow().verifierKey());

    IllegalArgumentException unlabelled =
        assertThrows(
            IllegalArgumentException.class,
            () -> settings("enabled = on\ndevelopment-self-witness { enabled = on, key-dir = \"" + keyDir + "\", name = \"regulator\" }"));
    assertTrue(unlabelled.getMessage().contains("NOT-INDEPENDENT"), unlabelled.getMessage());
  }

  @Test
  void refusesAMissingKeyOrNameAndALogKeyThatIsNoLogKey() {
    assertThrows(IllegalArgumentException.class, () -> settings("enabled = on\nname = \"regulator\""));
    assertThrows(IllegalArgumentException.class, () -> settings("enabled = on\nkey-file = \"/nonexistent.pem\""));
    String cosignerKey = NoteSigner.generate("w", SignatureType.COSIGNATURE_V1).verifierKey().vkey();
    IllegalArgumentException wrongType =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                settings(
                    "enabled = on\ndevelopment-self-witness { enabled = on, key-dir = \"" + System.getProperty("java.io.tmpdir")
                        + "/medtrace-witness-settings\" }\ntrusted-logs = [ { origin = \"o\", key = \"" + cosignerKey + "\" } ]"));
    assertTrue(wrongType.getMessage().contains("not a log (Ed25519) key"), wrongType.getMessage());
  }
}
