package org.medtrace.identity;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.medtrace.merkle.note.NoteKey;

/**
 * The {@code bin/medtrace ca} command line:
 *
 * <pre>
 *   ca init [--name NAME] [--days N]                  create the CA (default name "medtrace network CA", 3650 days)
 *   ca issue --org ORG --role ROLE [--days N]        an organisation's key and certificate (default 365 days)
 *   ca issue-node --org ORG --host HOST [--days N]   a node's key and certificate for mutual TLS on remoting
 *   ca certify --org ORG --role log|witness --vkey FILE [--days N]
 *                                                    a certificate for the log's or a witness's note key (a C2SP vkey)
 *   ca policy --witness-quorum K                     the CA-signed network policy: K witness organisations must cosign
 *   ca revoke SERIAL|ORG                             revoke one certificate, or all of an organisation; re-sign the CRL
 *   ca list                                          every issued certificate with its status
 * </pre>
 *
 * Every subcommand takes {@code --dir DIR} (default: {@code $MEDTRACE_CA_DIR}, else {@code data/ca});
 * the layout is {@link CaDirectory}'s.
 */
public final class CaCommand {

  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 64;

  private static final String USAGE_TEXT =
      """
      usage: ca init [--name NAME] [--days N] [--dir DIR]
             ca issue --org ORG --role ROLE [--days N] [--dir DIR]
             ca issue-node --org ORG --host HOST [--days N] [--dir DIR]
             ca certify --org ORG --role log|witness --vkey FILE [--days N] [--dir DIR]
             ca policy --witness-quorum K [--dir DIR]
             ca revoke SERIAL|ORG [--dir DIR]
             ca list [--dir DIR]
      DIR defaults to $MEDTRACE_CA_DIR, else data/ca.""";

  private CaCommand() {}

  /** Runs {@code args} (after the word {@code ca}); returns the exit code. */
  public static int run(List<String> args, Clock clock, PrintStream out, PrintStream err) {
    if (args.isEmpty()) {
      err.println(USAGE_TEXT);
      return USAGE;
    }
    String subcommand = args.get(0);
    Map<String, String> options = new HashMap<>();
    List<String> positional = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.startsWith("--")) {
        if (i + 1 >= args.size()) {
          err.println(arg + " needs a value\n" + USAGE_TEXT);
          return USAGE;
        }
        options.put(arg.substring(2), args.get(++i));
      } else {
        positional.add(arg);
      }
    }
    String defaultDir = System.getenv().getOrDefault("MEDTRACE_CA_DIR", "data/ca");
    Path dir = Path.of(options.getOrDefault("dir", defaultDir));
    try {
      switch (subcommand) {
        case "init" -> {
          NetworkCa ca =
              NetworkCa.init(dir, options.getOrDefault("name", "medtrace network CA"), days(options, 3650), clock);
          out.printf("CA created in %s: %s, key id %s%n", dir, ca.certificate().getSubjectX500Principal().getName(),
              IssuedCertificate.fingerprint(ca.certificate()));
        }
        case "issue" -> {
          NetworkCa.Issued issued =
              NetworkCa.open(dir, clock).issue(required(options, "org"), required(options, "role"), days(options, 365));
          printIssued(out, issued);
        }
        case "issue-node" -> {
          NetworkCa.Issued issued =
              NetworkCa.open(dir, clock).issueNode(required(options, "org"), required(options, "host"), days(options, 365));
          printIssued(out, issued);
        }
        case "certify" -> {
          String roleName = required(options, "role");
          NoteKeyRole role =
              NoteKeyRole.named(roleName).orElseThrow(() -> new UsageException("--role is log or witness, not '" + roleName + "'"));
          NoteKey key = readVkey(required(options, "vkey"), role);
          NetworkCa.Certified certified = NetworkCa.open(dir, clock).certify(required(options, "org"), role, key, days(options, 365));
          IssuedCertificate c = certified.certificate();
          out.printf("certified %s as %s's %s key: %s, valid until %s%n", key.name(), c.organisation(), role.roleName(), c.serialHex(), c.notAfter());
          out.printf("key id      %s%n", c.keyId());
          out.printf("certificate %s (the node's trust directory needs it in certs/, for exports)%n", certified.certificateFile());
        }
        case "policy" -> {
          String value = required(options, "witness-quorum");
          int quorum;
          try {
            quorum = Integer.parseInt(value);
          } catch (NumberFormatException e) {
            throw new UsageException("--witness-quorum must be a whole number, was '" + value + "'");
          }
          NetworkCa ca = NetworkCa.open(dir, clock);
          NetworkPolicy policy = ca.policy(quorum);
          out.printf("network policy signed at %s: %d witness organisations must cosign a checkpoint%n", policy.issuedAt(), policy.witnessQuorum());
          out.printf("policy      %s (nodes need it in their trust directory, for exports)%n", ca.directory().networkPolicy());
        }
        case "revoke" -> {
          if (positional.size() != 1) {
            err.println("ca revoke takes one serial or organisation\n" + USAGE_TEXT);
            return USAGE;
          }
          List<IssuedCertificate> revoked = NetworkCa.open(dir, clock).revoke(positional.get(0));
          if (revoked.isEmpty()) {
            out.println("already revoked; the CRL is unchanged");
          }
          revoked.forEach(c -> out.printf("revoked %s (%s, %s)%n", c.serialHex(), c.organisation(), c.role()));
        }
        case "list" -> {
          out.printf("%-34s %-20s %-16s %-10s %-21s %s%n", "serial", "organisation", "role", "status", "not after", "key id");
          for (NetworkCa.Listed listed : NetworkCa.open(dir, clock).list()) {
            IssuedCertificate c = listed.certificate();
            out.printf("%-34s %-20s %-16s %-10s %-21s %s%n",
                c.serialHex(), c.organisation(), c.role(), listed.status().name().toLowerCase(java.util.Locale.ROOT), c.notAfter(), c.keyId());
          }
        }
        default -> {
          err.println("unknown ca subcommand '" + subcommand + "'\n" + USAGE_TEXT);
          return USAGE;
        }
      }
      return OK;
    } catch (UsageException e) {
      err.println(e.getMessage() + "\n" + USAGE_TEXT);
      return USAGE;
    } catch (RuntimeException e) {
      err.println("ca " + subcommand + " failed: " + e.getMessage());
      return FAILED;
    }
  }

  private static void printIssued(PrintStream out, NetworkCa.Issued issued) {
    IssuedCertificate c = issued.certificate();
    out.printf("issued %s to %s as %s, valid until %s%n", c.serialHex(), c.organisation(), c.role(), c.notAfter());
    out.printf("key id      %s%n", c.keyId());
    out.printf("certificate %s%n", issued.certificateFile());
    out.printf("private key %s (hand it over, then delete it here)%n", issued.privateKeyFile());
  }

  /** The note key in {@code file} (a vkey line), which must be of {@code role}'s signature type. */
  private static NoteKey readVkey(String file, NoteKeyRole role) {
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the vkey file " + file + ": " + e.getMessage(), e);
    }
    return NoteKey.parseConfigured("the vkey file " + file, text.strip(), role.keyType());
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null || value.isBlank()) {
      throw new UsageException("--" + name + " is required");
    }
    return value;
  }

  private static Duration days(Map<String, String> options, int defaultDays) {
    String value = options.get("days");
    try {
      return Duration.ofDays(value == null ? defaultDays : Integer.parseInt(value));
    } catch (NumberFormatException e) {
      throw new UsageException("--days must be a whole number, was '" + value + "'");
    }
  }

  private static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
