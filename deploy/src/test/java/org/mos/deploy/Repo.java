package org.mos.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The repository the tests check: k8s/, the app modules and the project version. */
final class Repo {

  static final Path ROOT =
      Path.of(System.getProperty("mos.root", "..")).toAbsolutePath().normalize();
  static final Path K8S = ROOT.resolve("k8s");
  static final String VERSION = System.getProperty("mos.version", "");

  static final AppConfig SCORER = AppConfig.load(ROOT, "scorer", version());
  static final AppConfig TRAINER = AppConfig.load(ROOT, "trainer", version());
  static final AppConfig EVALUATOR = AppConfig.load(ROOT, "evaluator", version());

  /** The apps by the image repository their Jib config builds (mos/scorer, ...). */
  static final Map<String, AppConfig> APPS = apps();

  private Repo() {}

  private static String version() {
    if (VERSION.isEmpty()) {
      throw new IllegalStateException("run through Maven: mos.version is not set");
    }
    return VERSION;
  }

  private static Map<String, AppConfig> apps() {
    Map<String, AppConfig> apps = new LinkedHashMap<>();
    for (AppConfig app : List.of(SCORER, TRAINER, EVALUATOR)) {
      apps.put(app.imageRepository(), app);
    }
    return apps;
  }

  /** Folders under k8s/ holding a kustomization.yaml of the given kind, relative to k8s/. */
  static List<String> kustomizations(String kind) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(K8S)) {
      for (Path f :
          files
              .filter(p -> p.getFileName().toString().equals("kustomization.yaml"))
              .sorted()
              .toList()) {
        String k = Kustomize.readYaml(f).get(0).path("kind").asText("Kustomization");
        if (k.equals(kind)) {
          out.add(K8S.relativize(f.getParent()).toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Every YAML file under k8s/. */
  static List<Path> yamlFiles() {
    try (Stream<Path> files = Files.walk(K8S)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
