package org.mos.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.mos.deploy.Rendering.Workload;

/**
 * Checks of how the objects of a rendering refer to each other: label selectors, ports, the
 * autoscaler's target, the disruption budget, Prometheus scraping and the Kafka wiring.
 */
final class WiringChecks {

  private WiringChecks() {}

  /**
   * A Deployment's selector selects its own pods; every Service, PodDisruptionBudget selects at
   * least one workload's pods, every Service port reaches a port of every pod it selects.
   */
  static List<String> selectors(Rendering r) {
    List<String> out = new ArrayList<>();
    for (Deployment d : r.all(Deployment.class)) {
      if (!Rendering.selects(
          d.getSpec().getSelector().getMatchLabels(),
          d.getSpec().getTemplate().getMetadata().getLabels())) {
        out.add("Deployment " + d.getMetadata().getName() + ": its selector misses its own pods");
      }
    }
    for (Service s : r.all(Service.class)) {
      List<Workload> selected = selected(r, s.getSpec().getSelector());
      if (selected.isEmpty()) {
        out.add("Service " + s.getMetadata().getName() + " selects no pods of " + r.name());
      }
      for (ServicePort p : s.getSpec().getPorts()) {
        for (Workload w : selected) {
          boolean reached =
              w.template().getSpec().getContainers().stream()
                  .anyMatch(c -> WorkloadChecks.containerPort(c, p.getTargetPort()).isPresent());
          if (!reached) {
            out.add(
                "Service "
                    + s.getMetadata().getName()
                    + " port "
                    + p.getName()
                    + " targets "
                    + p.getTargetPort().getValue()
                    + ", which "
                    + w.describe()
                    + " does not open");
          }
        }
      }
    }
    for (PodDisruptionBudget b : r.all(PodDisruptionBudget.class)) {
      if (selected(r, b.getSpec().getSelector().getMatchLabels()).isEmpty()) {
        out.add("PodDisruptionBudget " + b.getMetadata().getName() + " selects no pods");
      }
    }
    return out;
  }

  /**
   * The autoscaler scales a Deployment of the rendering whose containers request CPU (utilisation
   * is measured against requests), and never below what a disruption budget of the same pods keeps
   * available plus one (else no node with such a pod could ever drain).
   */
  static List<String> autoscaling(Rendering r) {
    List<String> out = new ArrayList<>();
    for (HorizontalPodAutoscaler h : r.all(HorizontalPodAutoscaler.class)) {
      String target = h.getSpec().getScaleTargetRef().getName();
      Optional<Deployment> d = r.find(Deployment.class, target);
      if (d.isEmpty() || !"Deployment".equals(h.getSpec().getScaleTargetRef().getKind())) {
        out.add(
            "HorizontalPodAutoscaler "
                + h.getMetadata().getName()
                + " scales "
                + target
                + ", which is not a Deployment of "
                + r.name());
        continue;
      }
      int min = Objects.requireNonNullElse(h.getSpec().getMinReplicas(), 1);
      if (min > h.getSpec().getMaxReplicas()) {
        out.add("HorizontalPodAutoscaler " + target + ": minReplicas " + min + " > maxReplicas");
      }
      Map<String, String> pods = d.get().getSpec().getTemplate().getMetadata().getLabels();
      for (PodDisruptionBudget b : r.all(PodDisruptionBudget.class)) {
        if (Rendering.selects(b.getSpec().getSelector().getMatchLabels(), pods)
            && b.getSpec().getMinAvailable() != null
            && b.getSpec().getMinAvailable().getIntVal() != null
            && b.getSpec().getMinAvailable().getIntVal() >= min) {
          out.add(
              "PodDisruptionBudget "
                  + b.getMetadata().getName()
                  + " keeps "
                  + b.getSpec().getMinAvailable().getIntVal()
                  + " of "
                  + target
                  + " available but the autoscaler may leave only "
                  + min
                  + ": no drain possible");
        }
      }
    }
    return out;
  }

  /**
   * The scorer's Service, container ports and image ports are the ports the scorer's configuration
   * opens: HTTP (quarkus.http.port) and gRPC (quarkus.grpc.server.port).
   */
  static List<String> scorerPorts(Rendering r, AppConfig scorer) {
    List<String> out = new ArrayList<>();
    Map<String, Integer> expected = Map.of("http", scorer.httpPort(), "grpc", scorer.grpcPort());
    Container c = r.firstContainerOf("mos-scorer");
    expected.forEach(
        (name, port) -> {
          var cp = c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst();
          if (cp.isEmpty() || !cp.get().getContainerPort().equals(port)) {
            out.add(
                "the scorer container's port "
                    + name
                    + " is "
                    + cp.map(p -> p.getContainerPort()).orElse(null)
                    + ", the scorer listens on "
                    + port);
          }
          var sp =
              r.get(Service.class, "mos-scorer").getSpec().getPorts().stream()
                  .filter(p -> name.equals(p.getName()))
                  .findFirst();
          if (sp.isEmpty() || !sp.get().getPort().equals(port)) {
            out.add(
                "Service mos-scorer port "
                    + name
                    + " is "
                    + sp.map(ServicePort::getPort).orElse(null)
                    + ", the scorer listens on "
                    + port);
          }
        });
    List<Integer> image = scorer.imagePorts();
    if (!image.containsAll(expected.values()) || image.size() != expected.size()) {
      out.add(
          "the scorer image declares ports "
              + image
              + ", the scorer listens on "
              + expected.values());
    }
    return out;
  }

  /**
   * Each ServiceMonitor selects a Service with its endpoint's port and scrapes the metrics path.
   */
  static List<String> monitoring(Rendering r, AppConfig app) {
    List<String> out = new ArrayList<>();
    for (ServiceMonitor m : r.all(ServiceMonitor.class)) {
      List<Service> services =
          r.all(Service.class).stream()
              .filter(
                  s ->
                      Rendering.selects(
                          m.getSpec().getSelector().getMatchLabels(),
                          Objects.requireNonNullElse(s.getMetadata().getLabels(), Map.of())))
              .toList();
      if (services.isEmpty()) {
        out.add("ServiceMonitor " + m.getMetadata().getName() + " selects no Service");
      }
      for (Endpoint e : m.getSpec().getEndpoints()) {
        if (!app.metricsPath().equals(e.getPath())) {
          out.add(
              "ServiceMonitor "
                  + m.getMetadata().getName()
                  + " scrapes "
                  + e.getPath()
                  + ", the app serves metrics on "
                  + app.metricsPath());
        }
        for (Service s : services) {
          if (s.getSpec().getPorts().stream().noneMatch(p -> e.getPort().equals(p.getName()))) {
            out.add(
                "ServiceMonitor "
                    + m.getMetadata().getName()
                    + " scrapes port "
                    + e.getPort()
                    + ", which Service "
                    + s.getMetadata().getName()
                    + " does not have");
          }
        }
      }
    }
    return out;
  }

  private static List<Workload> selected(Rendering r, Map<String, String> selector) {
    return r.workloads().stream().filter(w -> Rendering.selects(selector, w.podLabels())).toList();
  }

  /** A Strimzi resource's field, e.g. {@code field(topic, "spec", "partitions")}. */
  static Object field(GenericKubernetesResource r, Object... path) {
    return r.get(path);
  }
}
