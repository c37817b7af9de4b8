package org.medtrace.verify;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.medtrace.identity.Pem;
import org.medtrace.merkle.note.NoteException;
import org.medtrace.merkle.note.NoteKey;
import org.medtrace.merkle.note.SignatureType;

/**
 * {@code medtrace-verify [--trust-log KEYFILE] [--witness NAME=KEYFILE ...] [--quorum k] [--ca CA.PEM] bundle.json}
 *
 * <p>Exit status: 0 when the bundle verified, 1 when any check failed (each failure printed), 2 for
 * usage errors (unknown options, unreadable files or key files).
 */
public final class Main {

  static final int VERIFIED = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;

  private static final String USAGE_TEXT =
      """
      usage: medtrace-verify [--trust-log KEYFILE] [--witness NAME=KEYFILE ...] [--quorum k] [--ca CA.PEM] bundle.json

      Verifies an exported history bundle offline: the hash chain from genesis, event signatures,
      every event's inclusion in the signed checkpoint, the checkpoint's signature, the
      witnesses' cosignatures and, with --ca, the organisations' submission signatures.

        --trust-log KEYFILE      the log's verifier key (a vkey line), from the log's operator;
                                 without it: with --ca, the bundle's log key if the bundle holds the
                                 CA's certificate for it (role log, valid at the checkpoint's time,
                                 not revoked); else the bundle's own, unchecked
        --witness NAME=KEYFILE   a trusted witness and its cosignature key (vkey); repeatable;
                                 without it: with --ca, the bundle's witness keys that the CA
                                 certifies (role witness), each named and counted once by its
                                 organisation; else the bundle's own witness keys, unchecked
        --quorum k               cosignatures (witness organisations, with --ca) needed; default:
                                 with --ca alone, the CA-signed network policy in the bundle, else a
                                 majority of the witnesses (with --ca alone, the summary marks that
                                 as NOT fixed by the auditor or the CA)
        --ca CA.PEM              the network CA's certificate (PEM or DER), from the CA: check every
                                 signed submission's certificate, revocation and signature against
                                 it, and the log's and witnesses' keys as above; without it,
                                 submission signatures are not checked
      """;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the verifier; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Optional<NoteKey> logKey = Optional.empty();
    Map<String, NoteKey> witnesses = new LinkedHashMap<>();
    OptionalInt quorum = OptionalInt.empty();
    Optional<X509Certificate> networkCa = Optional.empty();
    Path bundleFile = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "-h", "--help" -> {
            out.print(USAGE_TEXT);
            return VERIFIED;
          }
          case "--trust-log" -> logKey = Optional.of(readKey(valueOf(args, ++i, arg), SignatureType.ED25519));
          case "--witness" -> {
            String value = valueOf(args, ++i, arg);
            int equals = value.indexOf('=');
            if (equals <= 0 || equals == value.length() - 1) {
              throw new UsageException("--witness takes NAME=KEYFILE, got '" + value + "'");
            }
            String name = value.substring(0, equals);
            if (witnesses.put(name, readKey(value.substring(equals + 1), SignatureType.COSIGNATURE_V1)) != null) {
              throw new UsageException("witness " + name + " is given twice");
            }
          }
          case "--ca" -> networkCa = Optional.of(readCertificate(valueOf(args, ++i, arg)));
          case "--quorum" -> {
            String value = valueOf(args, ++i, arg);
            try {
              quorum = OptionalInt.of(Integer.parseInt(value));
            } catch (NumberFormatException e) {
              throw new UsageException("--quorum takes a number, got '" + value + "'");
            }
            if (quorum.getAsInt() < 0) {
              throw new UsageException("--quorum must not be negative");
            }
          }
          default -> {
            if (arg.startsWith("-")) {
              throw new UsageException("unknown option " + arg);
            }
            if (bundleFile != null) {
              throw new UsageException("one bundle at a time");
            }
            bundleFile = Path.of(arg);
          }
        }
      }
      if (bundleFile == null) {
        throw new UsageException("no bundle given");
      }
      if (quorum.isPresent() && !witnesses.isEmpty() && quorum.getAsInt() > witnesses.size()) {
        throw new UsageException("--quorum " + quorum.getAsInt() + " is more than the " + witnesses.size() + " witnesses given");
      }
    } catch (UsageException e) {
      err.println("medtrace-verify: " + e.getMessage());
      err.print(USAGE_TEXT);
      return USAGE;
    }

    HistoryBundle bundle;
    try {
      bundle = BundleReader.read(bundleFile);
    } catch (NoSuchFileException e) {
      err.println("medtrace-verify: no such bundle file: " + bundleFile);
      return USAGE;
    } catch (IOException e) {
      err.println("medtrace-verify: cannot read " + bundleFile + ": " + e.getMessage());
      return USAGE;
    } catch (BundleException e) {
      out.println("FAILED " + bundleFile);
      out.println("  bundle: " + e.getMessage());
      return FAILED;
    }

    VerificationReport report = BundleVerifier.verify(bundle, new TrustAnchors(logKey, witnesses, quorum, networkCa));
    for (String warning : report.warnings()) {
      err.println("note: " + warning);
    }
    if (report.verified()) {
      out.println(report.summary());
      return VERIFIED;
    }
    out.println("FAILED " + bundle.entityType() + " " + bundle.entityId() + ": " + report.failures().size() + " problem(s)");
    for (String failure : report.failures()) {
      out.println("  " + failure);
    }
    return FAILED;
  }

  private static String valueOf(String[] args, int index, String option) throws UsageException {
    if (index >= args.length) {
      throw new UsageException(option + " needs a value");
    }
    return args[index];
  }

  private static NoteKey readKey(String file, SignatureType expectedType) throws UsageException {
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("cannot read key file " + file + ": " + e.getMessage());
    }
    try {
      NoteKey key = NoteKey.parse(text.strip());
      if (key.type() != expectedType) {
        throw new UsageException("key file " + file + " holds a " + key.type() + " key, not " + expectedType);
      }
      return key;
    } catch (NoteException e) {
      throw new UsageException("key file " + file + " is not a verifier key: " + e.getMessage());
    }
  }

  private static X509Certificate readCertificate(String file) throws UsageException {
    try {
      return Pem.readCertificate(Path.of(file));
    } catch (UncheckedIOException e) {
      String reason = e.getCause() instanceof NoSuchFileException ? "no such file" : e.getCause().getMessage();
      throw new UsageException("cannot read CA certificate file " + file + ": " + reason);
    } catch (IllegalArgumentException e) {
      throw new UsageException("CA certificate file " + file + " is " + e.getMessage());
    }
  }

  private static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
