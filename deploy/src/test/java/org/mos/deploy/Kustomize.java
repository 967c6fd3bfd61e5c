package org.mos.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of kustomize (v5) that {@code k8s/} uses, so that the overlays render in a plain Maven
 * build without the kustomize binary: {@code resources} (files and kustomization folders), {@code
 * components}, {@code namespace}, {@code images} and {@code patches} in JSON 6902 form with a
 * {@code target}. Any other field fails the render: a kustomization that needs more of kustomize
 * must extend this class, or it would be checked against a rendering kustomize would not produce.
 * Where kustomize is installed, {@code KustomizeTest} compares the two renderings.
 */
final class Kustomize {

  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final Set<String> FIELDS =
      Set.of("apiVersion", "kind", "namespace", "resources", "components", "patches", "images");
  private static final Set<String> CLUSTER_SCOPED =
      Set.of("Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding");

  private Kustomize() {}

  /** Renders the kustomization in {@code dir} to its resources, in the order they were loaded. */
  static List<ObjectNode> render(Path dir) {
    return build(dir, "Kustomization", new ArrayList<>());
  }

  private static List<ObjectNode> build(Path dir, String expectedKind, List<ObjectNode> into) {
    ObjectNode k = kustomization(dir);
    String kind = k.path("kind").asText("Kustomization");
    if (!kind.equals(expectedKind)) {
      throw new IllegalArgumentException(
          dir + "/kustomization.yaml is a " + kind + ", expected a " + expectedKind);
    }
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      if (Files.isDirectory(p)) {
        add(into, build(p, "Kustomization", new ArrayList<>()), p);
      } else {
        add(into, readResources(p), p);
      }
    }
    for (JsonNode c : k.path("components")) {
      build(dir.resolve(c.asText()).normalize(), "Component", into);
    }
    for (JsonNode patch : k.path("patches")) {
      applyPatch(dir, patch, into);
    }
    for (JsonNode image : k.path("images")) {
      setImage(image, into);
    }
    if (k.has("namespace")) {
      for (ObjectNode r : into) {
        if (!CLUSTER_SCOPED.contains(r.path("kind").asText())) {
          ((ObjectNode) r.get("metadata")).put("namespace", k.get("namespace").asText());
        }
      }
    }
    return into;
  }

  private static ObjectNode kustomization(Path dir) {
    Path file = dir.resolve("kustomization.yaml");
    JsonNode k = readYaml(file).get(0);
    for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException(
            file
                + " uses '"
                + field
                + "', which this renderer does not implement ("
                + FIELDS
                + ")");
      }
    }
    return (ObjectNode) k;
  }

  private static void add(List<ObjectNode> into, List<ObjectNode> resources, Path from) {
    for (ObjectNode r : resources) {
      for (ObjectNode existing : into) {
        if (id(existing).equals(id(r))) {
          throw new IllegalArgumentException(from + " adds " + id(r) + " a second time");
        }
      }
      into.add(r);
    }
  }

  /** Every document of a manifest file, each of which must be a Kubernetes object. */
  static List<ObjectNode> readResources(Path file) {
    List<ObjectNode> out = new ArrayList<>();
    for (JsonNode doc : readYaml(file)) {
      if (!doc.isObject() || !doc.has("apiVersion") || !doc.has("kind") || !doc.has("metadata")) {
        throw new IllegalArgumentException(
            file
                + " holds a document that is not a Kubernetes object (apiVersion, kind, metadata)");
      }
      out.add((ObjectNode) doc);
    }
    return out;
  }

  static List<JsonNode> readYaml(Path file) {
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      List<JsonNode> docs = new ArrayList<>();
      for (Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static void applyPatch(Path dir, JsonNode patch, List<ObjectNode> resources) {
    Path file = dir.resolve(patch.path("path").asText()).normalize();
    JsonNode target = patch.get("target");
    JsonNode ops = readYaml(file).get(0);
    if (target == null || !ops.isArray()) {
      throw new IllegalArgumentException(
          file + ": only JSON 6902 patches (a list of operations) with a target are implemented");
    }
    int matched = 0;
    for (int i = 0; i < resources.size(); i++) {
      if (matches(target, resources.get(i))) {
        resources.set(i, (ObjectNode) JsonPatch.apply(ops, resources.get(i)));
        matched++;
      }
    }
    if (matched == 0) {
      throw new IllegalArgumentException(file + ": the target " + target + " matches no resource");
    }
  }

  private static boolean matches(JsonNode target, ObjectNode r) {
    String apiVersion = r.path("apiVersion").asText();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    Map<String, String> actual = new LinkedHashMap<>();
    actual.put("group", group);
    actual.put("version", version);
    actual.put("kind", r.path("kind").asText());
    actual.put("name", r.path("metadata").path("name").asText());
    for (Iterator<Map.Entry<String, JsonNode>> it = target.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!actual.containsKey(e.getKey())) {
        throw new IllegalArgumentException("patch target field '" + e.getKey() + "' unsupported");
      }
      if (!actual.get(e.getKey()).equals(e.getValue().asText())) {
        return false;
      }
    }
    return true;
  }

  /** kustomize's images transformer on pod templates: matches the image name without its tag. */
  private static void setImage(JsonNode rule, List<ObjectNode> resources) {
    for (ObjectNode r : resources) {
      for (JsonNode podSpec : r.findParents("containers")) {
        for (String list : List.of("containers", "initContainers")) {
          for (JsonNode c : podSpec.path(list)) {
            String image = c.path("image").asText();
            int colon = image.lastIndexOf(':');
            boolean tagged = colon > image.lastIndexOf('/');
            String name = tagged ? image.substring(0, colon) : image;
            String tag = tagged ? image.substring(colon + 1) : null;
            if (name.equals(rule.path("name").asText())) {
              String newName = rule.path("newName").asText(name);
              String newTag = rule.path("newTag").asText(tag);
              ((ObjectNode) c).put("image", newTag == null ? newName : newName + ":" + newTag);
            }
          }
        }
      }
    }
  }

  /** group/kind/namespace/name, the identity kustomize uses for a resource. */
  static String id(JsonNode r) {
    String apiVersion = r.path("apiVersion").asText();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    return group
        + "/"
        + r.path("kind").asText()
        + "/"
        + r.path("metadata").path("namespace").asText("")
        + "/"
        + r.path("metadata").path("name").asText();
  }

  /** The rendering as a list kustomize would print, for comparisons. */
  static ArrayNode asArray(List<ObjectNode> resources) {
    ArrayNode array = YAML.createArrayNode();
    resources.forEach(array::add);
    return array;
  }
}
