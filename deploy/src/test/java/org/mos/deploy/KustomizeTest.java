package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The minimal kustomize renderer: its rules on small kustomizations, and kustomize's agreement. */
class KustomizeTest {

  @TempDir Path dir;

  private static final String DEPLOYMENT =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
              - {name: web, image: 'mos/scorer:1.0', env: [{name: A, value: "1"}]}
              - {name: side, image: other/image}
      ---
      apiVersion: v1
      kind: Namespace
      metadata: {name: elsewhere}
      """;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  private List<ObjectNode> render(String kustomization) throws IOException {
    write("base/app.yaml", DEPLOYMENT);
    write("base/kustomization.yaml", "resources: [app.yaml]\n");
    write("overlay/kustomization.yaml", kustomization);
    return Kustomize.render(dir.resolve("overlay"));
  }

  private static JsonNode container(List<ObjectNode> rendering, int i) {
    return rendering.get(0).at("/spec/template/spec/containers/" + i);
  }

  @Test
  void setsTheNamespaceOnNamespacedObjectsOnly() throws IOException {
    List<ObjectNode> r = render("namespace: mos\nresources: [../base]\n");
    assertThat(r.get(0).at("/metadata/namespace").asText()).isEqualTo("mos");
    assertThat(r.get(1).at("/metadata/namespace").isMissingNode()).isTrue();
  }

  @Test
  void retagsAndRenamesImagesByNameLeavingOthersAlone() throws IOException {
    List<ObjectNode> r =
        render(
            "resources: [../base]\nimages:\n  - {name: mos/scorer, newName: reg.io/mos/scorer, newTag: '2.0-cuda'}\n");
    assertThat(container(r, 0).path("image").asText()).isEqualTo("reg.io/mos/scorer:2.0-cuda");
    assertThat(container(r, 1).path("image").asText()).isEqualTo("other/image");
  }

  @Test
  void appliesJson6902PatchesToTheirTarget() throws IOException {
    write(
        "overlay/p.yaml",
        "- {op: replace, path: /spec/template/spec/containers/0/env/0/value, value: '2'}\n");
    List<ObjectNode> r =
        render(
            "resources: [../base]\npatches:\n  - path: p.yaml\n    target: {group: apps, version: v1, kind: Deployment, name: web}\n");
    assertThat(container(r, 0).at("/env/0/value").asText()).isEqualTo("2");
  }

  @Test
  void failsWhenAPatchTestOperationDoesNotHold() throws IOException {
    write(
        "overlay/p.yaml",
        "- {op: test, path: /spec/template/spec/containers/0/env/0/name, value: B}\n");
    assertThatThrownBy(
            () ->
                render(
                    "resources: [../base]\npatches:\n  - path: p.yaml\n    target: {kind: Deployment}\n"))
        .hasMessageContaining("B");
  }

  @Test
  void rejectsAPatchWhoseTargetMatchesNothing() throws IOException {
    write("overlay/p.yaml", "- {op: remove, path: /spec/selector}\n");
    assertThatThrownBy(
            () ->
                render(
                    "resources: [../base]\npatches:\n  - path: p.yaml\n    target: {kind: Deployment, name: webb}\n"))
        .hasMessageContaining("matches no resource");
  }

  @Test
  void rejectsKustomizeFeaturesItDoesNotImplement() throws IOException {
    assertThatThrownBy(() -> render("resources: [../base]\ncommonLabels: {a: b}\n"))
        .hasMessageContaining("uses 'commonLabels', which this renderer does not implement");
  }

  @Test
  void rejectsTheSameObjectTwice() throws IOException {
    assertThatThrownBy(() -> render("resources: [../base, ../base/app.yaml]\n"))
        .hasMessageContaining("adds apps/Deployment//web a second time");
  }

  @Test
  void rejectsAComponentUsedAsAResource() throws IOException {
    write(
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n");
    assertThatThrownBy(() -> render("resources: [../comp]\n"))
        .hasMessageContaining("is a Component, expected a Kustomization");
  }

  static List<String> renderings() {
    return Renderings.all();
  }

  /** Where kustomize (or kubectl with its built-in kustomize) is installed, both render alike. */
  @ParameterizedTest
  @MethodSource("renderings")
  void rendersWhatKustomizeRenders(String kustomization) throws Exception {
    Optional<List<String>> command = kustomizeCommand();
    assumeTrue(command.isPresent(), "neither kustomize nor kubectl is installed");
    Path target = Repo.K8S.resolve(kustomization);
    List<String> cmd = new ArrayList<>(command.get());
    cmd.add(target.toString());
    Path errors = dir.resolve("kustomize.err");
    Process p = new ProcessBuilder(cmd).redirectError(errors.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(errors)).isZero();
    Path rendered = dir.resolve("kustomize.yaml");
    Files.writeString(rendered, out);
    assertThat(byId(Kustomize.readResources(rendered))).isEqualTo(byId(Kustomize.render(target)));
  }

  private static Map<String, JsonNode> byId(List<ObjectNode> resources) {
    Map<String, JsonNode> m = new TreeMap<>();
    resources.forEach(r -> m.put(Kustomize.id(r), r));
    return m;
  }

  private static Optional<List<String>> kustomizeCommand() {
    Map<List<String>, List<String>> probes =
        Map.of(
            List.of("kustomize", "build"), List.of("kustomize", "version"),
            List.of("kubectl", "kustomize"), List.of("kubectl", "version", "--client"));
    for (List<String> c : List.of(List.of("kustomize", "build"), List.of("kubectl", "kustomize"))) {
      try {
        Process p = new ProcessBuilder(probes.get(c)).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return Optional.of(c);
        }
      } catch (IOException e) {
        // not installed: try the next
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
  }
}
