package org.medtrace.k8s;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization the way an operator applies it: {@code kubectl kustomize DIR}, as a
 * separate process. The manifests must render with a current kubectl (kustomize v5) and with
 * Debian bookworm's kubectl 1.20 (kustomize v2.0.3); {@code -Dmedtrace.kubectl=PATH} runs the tests
 * with another kubectl.
 *
 * <p>A machine without kubectl gets Debian's: its package is downloaded and unpacked into the build
 * directory, which needs neither root nor an installation ({@code -Dmedtrace.kubectl=debian} forces
 * that path).
 */
final class Kustomize {

  /** Where the kustomizations live (the k8s module's folder), set by the module's POM. */
  static final Path K8S_DIR = Path.of(System.getProperty("medtrace.k8s.dir", ".")).toAbsolutePath();

  /** Rendering a few dozen objects takes well under a second; this only stops a hung process. */
  private static final long TIMEOUT_SECONDS = 120;

  private Kustomize() {}

  /** Where Debian's kubectl is unpacked when the machine has none: the module's build directory. */
  private static final Path DEBIAN_KUBECTL_DIR =
      Path.of(System.getProperty("medtrace.k8s.build-dir", "target")).resolve("debian-kubectl");

  /**
   * The kubectl these tests use: {@code -Dmedtrace.kubectl}, else {@code kubectl} on the PATH, else
   * Debian's (see the class comment).
   */
  static synchronized String kubectl() {
    String configured = System.getProperty("medtrace.kubectl", "");
    if (configured.equals("debian") || (configured.isBlank() && !onPath("kubectl"))) {
      return debianKubectl().toString();
    }
    return configured.isBlank() ? "kubectl" : configured;
  }

  private static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  /** Downloads Debian's kubernetes-client package (no root needed) and unpacks its kubectl once. */
  private static Path debianKubectl() {
    Path kubectl = DEBIAN_KUBECTL_DIR.resolve("root/usr/bin/kubectl").toAbsolutePath();
    if (Files.isExecutable(kubectl)) {
      return kubectl;
    }
    try {
      Files.createDirectories(DEBIAN_KUBECTL_DIR);
      try {
        run(DEBIAN_KUBECTL_DIR, "apt-get", "download", "kubernetes-client");
      } catch (IllegalStateException noPackageLists) {
        // A fresh machine may have no package lists; fetch them into the build directory, no root needed.
        List<String> privateState =
            List.of(
                "-o", "Dir::State::Lists=" + DEBIAN_KUBECTL_DIR.resolve("lists").toAbsolutePath(),
                "-o", "Dir::Cache=" + DEBIAN_KUBECTL_DIR.resolve("cache").toAbsolutePath(),
                "-o", "Debug::NoLocking=1");
        Files.createDirectories(DEBIAN_KUBECTL_DIR.resolve("lists/partial"));
        Files.createDirectories(DEBIAN_KUBECTL_DIR.resolve("cache/archives/partial"));
        run(DEBIAN_KUBECTL_DIR, apt(privateState, "update"));
        run(DEBIAN_KUBECTL_DIR, apt(privateState, "download", "kubernetes-client"));
      }
      Path deb;
      try (var files = Files.list(DEBIAN_KUBECTL_DIR)) {
        deb =
            files.filter(f -> f.getFileName().toString().endsWith(".deb"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("apt-get download kubernetes-client left no .deb in " + DEBIAN_KUBECTL_DIR));
      }
      run(DEBIAN_KUBECTL_DIR, "dpkg-deb", "-x", deb.toAbsolutePath().toString(), "root");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!Files.isExecutable(kubectl)) {
      throw new IllegalStateException("Debian's kubernetes-client package has no " + kubectl);
    }
    return kubectl;
  }

  private static String[] apt(List<String> options, String... arguments) {
    List<String> command = new java.util.ArrayList<>();
    command.add("apt-get");
    command.addAll(options);
    command.addAll(List.of(arguments));
    return command.toArray(String[]::new);
  }

  private static void run(Path dir, String... command) {
    try {
      Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      CompletableFuture<String> output = readAsync(process.getInputStream());
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "no kubectl on this machine, and fetching Debian's failed: `" + String.join(" ", command) + "` exited with "
                + process.exitValue() + ":\n" + output.join()
                + "\nInstall kubectl (Debian: apt-get install kubernetes-client) or point -Dmedtrace.kubectl at one.");
      }
    } catch (IOException e) {
      throw new IllegalStateException(
          "no kubectl on this machine, and `" + command[0] + "` to fetch Debian's cannot run: " + e.getMessage()
              + ". Install kubectl or point -Dmedtrace.kubectl at one.",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching kubectl", e);
    }
  }

  /** Renders the kustomization in {@code relativeDir} (below {@link #K8S_DIR}) with {@link #kubectl()}. */
  static RenderedManifests render(String relativeDir) {
    return render(kubectl(), K8S_DIR.resolve(relativeDir));
  }

  /**
   * Renders the kustomization in {@code dir} with the given kubectl.
   *
   * @throws IllegalStateException if kubectl cannot be started, fails, or does not finish
   */
  static RenderedManifests render(String kubectl, Path dir) {
    if (!Files.isRegularFile(dir.resolve("kustomization.yaml"))) {
      throw new IllegalStateException("no kustomization.yaml in " + dir);
    }
    Process process;
    try {
      process = new ProcessBuilder(List.of(kubectl, "kustomize", dir.toString())).start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run '" + kubectl + "' (" + e.getMessage() + "): the k8s tests render the manifests with"
              + " `kubectl kustomize`. Install kubectl (Debian: apt-get install kubernetes-client) or point"
              + " -Dmedtrace.kubectl at one.",
          e);
    }
    CompletableFuture<String> stdout = readAsync(process.getInputStream());
    CompletableFuture<String> stderr = readAsync(process.getErrorStream());
    try {
      process.getOutputStream().close();
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "`" + kubectl + " kustomize " + dir + "` did not finish within " + TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "`" + kubectl + " kustomize " + dir + "` failed with exit code " + process.exitValue() + ":\n"
                + stderr.join());
      }
      return RenderedManifests.parse(stdout.join());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException("interrupted while rendering " + dir, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Drains a stream on its own thread, so that a full pipe buffer never blocks kubectl. */
  private static CompletableFuture<String> readAsync(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
