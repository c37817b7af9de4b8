package org.medtrace.k8s;

/** The invariants, on the Kustomize base ({@code k8s/base}). */
class BaseManifestsTest extends ManifestInvariants {

  @Override
  String kustomization() {
    return "base";
  }
}
