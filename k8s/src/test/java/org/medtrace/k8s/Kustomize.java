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
 * Debian bookworm's kubectl 1.20 (kustomize v2.0.3), which CI installs; {@code
 * -Dmedtrace.kubectl=PATH} runs the tests with another kubectl.
 */
final class Kustomize {

  /** Where the kustomizations live (the k8s module's folder), set by the module's POM. */
  static final Path K8S_DIR = Path.of(System.getProperty("medtrace.k8s.dir", ".")).toAbsolutePath();

  /** Rendering a few dozen objects takes well under a second; this only stops a hung process. */
  private static final long TIMEOUT_SECONDS = 120;

  private Kustomize() {}

  /** The kubectl these tests use: {@code -Dmedtrace.kubectl}, else {@code kubectl} on the PATH. */
  static String kubectl() {
    String configured = System.getProperty("medtrace.kubectl", "");
    return configured.isBlank() ? "kubectl" : configured;
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
              + " `kubectl kustomize`. Install kubectl (Debian: apt-get install kubernetes-client; .ci/run"
              + " does this) or point -Dmedtrace.kubectl at one.",
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
