package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every deployable rendering of k8s/: each Kustomization folder (base, overlays/*), and the base
 * with each optional component (components/*) added, written under deploy/target as a kustomization
 * of its own so that kustomize can render it too.
 */
final class Renderings {

  private static final Map<String, Rendering> CACHE = new ConcurrentHashMap<>();

  private Renderings() {}

  /** Paths relative to k8s/ (or absolute, for the synthesised component overlays). */
  static List<String> all() {
    List<String> dirs = new ArrayList<>(Repo.kustomizations("Kustomization"));
    for (String component : Repo.kustomizations("Component")) {
      dirs.add(withComponent(component).toString());
    }
    return dirs;
  }

  static Rendering of(String dir) {
    return CACHE.computeIfAbsent(dir, d -> Rendering.of(Repo.K8S, d));
  }

  /** The workloads that must run the CUDA image and a GPU in a rendering. */
  static Set<String> gpuWorkloads(String dir) {
    return dir.equals("overlays/gpu") ? Set.of("mos-scorer", "mos-train") : Set.of();
  }

  private static Path withComponent(String component) {
    Path dir =
        Repo.ROOT
            .resolve("deploy/target/kustomize")
            .resolve("base-with-" + component.replace('/', '-'));
    try {
      Files.createDirectories(dir);
      String base = dir.relativize(Repo.K8S.resolve("base")).toString();
      String comp = dir.relativize(Repo.K8S.resolve(component)).toString();
      Files.writeString(
          dir.resolve("kustomization.yaml"),
          "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: mos\n"
              + "resources:\n  - "
              + base
              + "\ncomponents:\n  - "
              + comp
              + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
