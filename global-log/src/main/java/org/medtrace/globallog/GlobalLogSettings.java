package org.medtrace.globallog;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code medtrace.global-log} settings, read once (see the module's reference.conf for each key). */
public record GlobalLogSettings(
    boolean enabled,
    boolean followTags,
    int batchSize,
    Duration batchWindow,
    Duration reconcileInterval,
    Duration journalTimeout,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    Duration checkpointInterval,
    Duration witnessTimeout,
    Signing signing) {

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
        log.getBoolean("follow-tags"),
        log.getInt("batch-size"),
        log.getDuration("batch-window"),
        log.getDuration("reconcile-interval"),
        log.getDuration("journal-timeout"),
        log.getDuration("restart-min-backoff"),
        log.getDuration("restart-max-backoff"),
        log.getDuration("checkpoint-interval"),
        log.getDuration("witness-timeout"),
        new Signing(
            log.getString("name"),
            log.getString("signing.private-key-file"),
            log.getString("signing.public-key-file"),
            log.getBoolean("development-key.enabled")
                ? java.util.Optional.of(java.nio.file.Path.of(log.getString("development-key.dir")))
                : java.util.Optional.empty()));
  }
}
