package org.mos.deploy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** One rendered kustomization as typed fabric8 objects, with the look-ups the checks need. */
record Rendering(String name, List<HasMetadata> resources) {

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** A pod template and the object that owns it (Deployment, Job, ...). */
  record Workload(HasMetadata owner, PodTemplateSpec template) {
    String describe() {
      return owner.getKind() + " " + owner.getMetadata().getName();
    }

    Map<String, String> podLabels() {
      Map<String, String> labels = template.getMetadata().getLabels();
      return labels == null ? Map.of() : labels;
    }

    /** Regular and init containers. */
    List<Container> containers() {
      List<Container> all = new ArrayList<>(template.getSpec().getContainers());
      if (template.getSpec().getInitContainers() != null) {
        all.addAll(template.getSpec().getInitContainers());
      }
      return all;
    }
  }

  /** Renders {@code k8s/<dir>} and types every resource. */
  static Rendering of(Path k8s, String dir) {
    return new Rendering(
        dir, Kustomize.render(k8s.resolve(dir)).stream().map(Rendering::typed).toList());
  }

  /** A Kubernetes object as the fabric8 model class for its apiVersion and kind. */
  static HasMetadata typed(ObjectNode node) {
    Object typed = SERIALIZATION.unmarshal(node.toString());
    if (!(typed instanceof HasMetadata resource)) {
      throw new IllegalArgumentException(Kustomize.id(node) + " is not a Kubernetes object");
    }
    return resource;
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Custom resources with no model class (Strimzi's), by kind. */
  List<GenericKubernetesResource> custom(String kind) {
    return all(GenericKubernetesResource.class).stream()
        .filter(r -> r.getKind().equals(kind))
        .toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return find(type, name)
        .orElseThrow(
            () -> new AssertionError(this.name + " has no " + type.getSimpleName() + " " + name));
  }

  /** The first container of the Deployment {@code name}, its app's container in our manifests. */
  Container firstContainerOf(String deployment) {
    return get(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  List<Workload> workloads() {
    return resources.stream()
        .flatMap(
            r -> {
              PodTemplateSpec t = null;
              if (r instanceof Deployment d) {
                t = d.getSpec().getTemplate();
              } else if (r instanceof Job j) {
                t = j.getSpec().getTemplate();
              } else if (r instanceof StatefulSet s) {
                t = s.getSpec().getTemplate();
              } else if (r instanceof DaemonSet ds) {
                t = ds.getSpec().getTemplate();
              } else if (r instanceof CronJob cj) {
                t = cj.getSpec().getJobTemplate().getSpec().getTemplate();
              }
              return t == null ? Stream.empty() : Stream.of(new Workload(r, t));
            })
        .toList();
  }

  Workload workload(String ownerName) {
    return workloads().stream()
        .filter(w -> w.owner().getMetadata().getName().equals(ownerName))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " has no workload " + ownerName));
  }

  /** Whether every selector label is on the pod (an empty selector selects nothing here). */
  static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null
        && !selector.isEmpty()
        && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }
}
