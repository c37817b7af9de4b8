package org.medtrace.globallog;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignatureType;
import org.medtrace.merkle.witness.WitnessEndpoint;

/** The {@code medtrace.global-log} settings, read once (see the module's reference.conf for each key). */
public record GlobalLogSettings(
    boolean enabled,
    boolean commitFeed,
    int feedBufferSize,
    Duration keepAliveInterval,
    int batchSize,
    Duration batchWindow,
    Duration reconcileInterval,
    int reconcilePageSize,
    Duration journalTimeout,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    Duration checkpointInterval,
    Witnesses witnesses,
    Signing signing) {

  /**
   * The log's witnesses ({@code medtrace.global-log.witnesses}): who is asked to cosign each new
   * checkpoint and how many must, for it to count as witnessed.
   *
   * @param timeout how long each witness gets per request
   */
  public record Witnesses(int quorum, Duration timeout, List<WitnessEndpoint> endpoints) {

    public Witnesses {
      endpoints = List.copyOf(endpoints);
      if (quorum < 0 || quorum > endpoints.size()) {
        throw new IllegalArgumentException(
            "medtrace.global-log.witnesses.quorum is " + quorum + ", but " + endpoints.size() + " witnesses are listed");
      }
    }

    /**
     * How long one slice's witnesses may take for a checkpoint before the slice's next checkpoint is
     * handed to them: each witness gets at most two requests (the second with a proof from the size
     * it last cosigned), plus the time to read that proof. The publisher does not wait for it.
     */
    public Duration roundTimeout() {
      return timeout.multipliedBy(3);
    }

    static Witnesses from(Config witnesses) {
      List<WitnessEndpoint> endpoints = new ArrayList<>();
      for (Config witness : witnesses.getConfigList("list")) {
        String name = witness.getString("name");
        NoteKey key =
            NoteKey.parseConfigured(
                "medtrace.global-log.witnesses: the key of " + name, witness.getString("key"), SignatureType.COSIGNATURE_V1);
        try {
          endpoints.add(new WitnessEndpoint(name, URI.create(witness.getString("url")), key));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("medtrace.global-log.witnesses: " + e.getMessage(), e);
        }
      }
      return new Witnesses(witnesses.getInt("quorum"), witnesses.getDuration("timeout"), endpoints);
    }
  }

  /**
   * The log's key: PEM files, or the development key's directory.
   *
   * @param logName the log's name, which is its key's name
   */
  public record Signing(String logName, String privateKeyFile, String publicKeyFile, java.util.Optional<java.nio.file.Path> developmentKeyDir) {}

  public static GlobalLogSettings from(Config config) {
    Config log = config.getConfig("medtrace.global-log");
    return new GlobalLogSettings(
        log.getBoolean("enabled"),
        log.getBoolean("commit-feed"),
        log.getInt("feed-buffer-size"),
        log.getDuration("keep-alive-interval"),
        log.getInt("batch-size"),
        log.getDuration("batch-window"),
        log.getDuration("reconcile-interval"),
        log.getInt("reconcile-page-size"),
        log.getDuration("journal-timeout"),
        log.getDuration("restart-min-backoff"),
        log.getDuration("restart-max-backoff"),
        log.getDuration("checkpoint-interval"),
        Witnesses.from(log.getConfig("witnesses")),
        new Signing(
            log.getString("name"),
            log.getString("signing.private-key-file"),
            log.getString("signing.public-key-file"),
            log.getBoolean("development-key.enabled")
                ? java.util.Optional.of(java.nio.file.Path.of(log.getString("development-key.dir")))
                : java.util.Optional.empty()));
  }
}
