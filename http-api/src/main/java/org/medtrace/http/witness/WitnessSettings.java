package org.medtrace.http.witness;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.medtrace.merkle.LogFormat;
import org.medtrace.merkle.note.Ed25519Pem;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.NoteSigner;
import org.medtrace.merkle.note.SignatureType;

/**
 * The witness service's settings, read once from {@code medtrace.witness} (see the module's {@code
 * reference.conf}).
 *
 * @param cosigner present when the witness is enabled: its name and key
 * @param trustedLogs checkpoint origin to the log's key, slices expanded
 * @param selfWitness whether this is the development self-witness (the node witnessing its own log)
 * @param alertSweepInterval how often the alerts of all stored forks are recorded ({@link
 *     WitnessService#alertStoredForks})
 */
public record WitnessSettings(
    Optional<NoteSigner> cosigner,
    Map<String, NoteKey> trustedLogs,
    boolean selfWitness,
    Duration storeTimeout,
    Duration alertSweepInterval) {

  /** The origin suffix that stands for every slice of a medtrace log. */
  public static final String ALL_SLICES = LogFormat.SLICE_ORIGIN_INFIX + "*";

  /** What the name of a development self-witness must contain, so that its cosignatures say what they are. */
  public static final String SELF_WITNESS_LABEL = "NOT-INDEPENDENT";

  private static final String DEVELOPMENT_KEY_FILE = "witness.pem";

  /** The development self-witness's verifier key, written next to its private key for {@code ca certify}. */
  public static final String DEVELOPMENT_VKEY_FILE = "witness.vkey";

  public WitnessSettings {
    trustedLogs = Map.copyOf(trustedLogs);
  }

  public boolean enabled() {
    return cosigner.isPresent();
  }

  public static WitnessSettings from(Config config) {
    Config witness = config.getConfig("medtrace.witness");
    Duration storeTimeout = witness.getDuration("store-timeout");
    Duration alertSweepInterval = witness.getDuration("alert-sweep-interval");
    if (alertSweepInterval.isZero() || alertSweepInterval.isNegative()) {
      throw new IllegalArgumentException("medtrace.witness.alert-sweep-interval must be positive, was " + alertSweepInterval);
    }
    if (!witness.getBoolean("enabled")) {
      return new WitnessSettings(Optional.empty(), Map.of(), false, storeTimeout, alertSweepInterval);
    }
    Config dev = witness.getConfig("development-self-witness");
    String keyFile = witness.getString("key-file");
    boolean selfWitness = keyFile.isBlank() && dev.getBoolean("enabled");
    String name = selfWitness ? dev.getString("name") : witness.getString("name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("medtrace.witness.name (the organisation running the witness) is required");
    }
    if (selfWitness && !name.contains(SELF_WITNESS_LABEL)) {
      throw new IllegalArgumentException(
          "medtrace.witness.development-self-witness.name '" + name + "' must contain " + SELF_WITNESS_LABEL
              + ": a node witnessing its own log is no independent witness, and its cosignatures must say so");
    }
    KeyPair keyPair;
    if (selfWitness) {
      keyPair = developmentKey(Path.of(dev.getString("key-dir")));
    } else if (keyFile.isBlank()) {
      throw new IllegalArgumentException("medtrace.witness.key-file is required when the witness is enabled");
    } else {
      keyPair = Ed25519Pem.readKeyPair(Path.of(keyFile));
    }
    NoteSigner cosigner;
    try {
      cosigner = new NoteSigner(name, SignatureType.COSIGNATURE_V1, keyPair);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("medtrace.witness.name '" + name + "' cannot name a key: " + e.getMessage(), e);
    }
    if (selfWitness) {
      // As the development log key's log.vkey: what `ca certify --role witness --vkey` reads.
      writeVkey(Path.of(dev.getString("key-dir")), cosigner);
    }
    return new WitnessSettings(Optional.of(cosigner), trustedLogs(witness), selfWitness, storeTimeout, alertSweepInterval);
  }

  private static void writeVkey(Path directory, NoteSigner cosigner) {
    try {
      Files.writeString(directory.resolve(DEVELOPMENT_VKEY_FILE), cosigner.verifierKey().vkey() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the development witness's verifier key in " + directory, e);
    }
  }

  private static Map<String, NoteKey> trustedLogs(Config witness) {
    Map<String, NoteKey> logs = new LinkedHashMap<>();
    for (Config log : witness.getConfigList("trusted-logs")) {
      String origin = log.getString("origin");
      NoteKey key = NoteKey.parseConfigured("medtrace.witness.trusted-logs: the key of " + origin, log.getString("key"), SignatureType.ED25519);
      if (origin.endsWith(ALL_SLICES)) {
        String logName = origin.substring(0, origin.length() - ALL_SLICES.length());
        for (int slice = 0; slice < LogFormat.SLICE_COUNT; slice++) {
          logs.put(LogFormat.sliceOrigin(logName, slice), key);
        }
      } else {
        logs.put(origin, key);
      }
    }
    return logs;
  }

  /** The development self-witness's key: created once in {@code directory}, then reused. */
  static KeyPair developmentKey(Path directory) {
    Path file = directory.resolve(DEVELOPMENT_KEY_FILE);
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(directory);
        KeyPair fresh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path partial = directory.resolve(DEVELOPMENT_KEY_FILE + ".partial");
        Ed25519Pem.writePrivateKey(fresh.getPrivate(), partial);
        Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      return Ed25519Pem.readKeyPair(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the development witness key in " + directory, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the Java runtime provides Ed25519", e);
    }
  }
}
