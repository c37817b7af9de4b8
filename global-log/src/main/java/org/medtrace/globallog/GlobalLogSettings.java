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
    Duration restartMaxBackoff) {

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
        log.getDuration("restart-max-backoff"));
  }
}
