package org.mos.deploy;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.mos.deploy.Rendering.Workload;

/**
 * Who may do what in a rendering: pods run hardened (non-root, read-only root filesystem with a
 * writable {@code /tmp}, no privilege escalation, no capabilities, seccomp RuntimeDefault); the
 * services admit only the peers meant for them (NetworkPolicies); and authentication is wired to a
 * Secret. Violations are readable lines, as in {@link WorkloadChecks}.
 */
final class SecurityChecks {

  /** A peer allowed to reach a service, as its NetworkPolicy names it. */
  enum Peer {
    /** Evaluator pods in the same namespace. */
    EVALUATOR,
    /** Anything in the ingress controller's namespace. */
    INGRESS,
    /** Prometheus pods in the monitoring namespace. */
    PROMETHEUS;

    static Optional<Peer> of(NetworkPolicyPeer p) {
      if (p.getIpBlock() != null) {
        return Optional.empty();
      }
      Map<String, String> pods = labels(p.getPodSelector());
      Map<String, String> namespaces = labels(p.getNamespaceSelector());
      if (p.getNamespaceSelector() == null
          && pods.equals(Map.of("app.kubernetes.io/name", "mos-evaluator"))) {
        return Optional.of(EVALUATOR);
      }
      if (p.getPodSelector() == null
          && namespaces.equals(Map.of("kubernetes.io/metadata.name", "ingress-nginx"))) {
        return Optional.of(INGRESS);
      }
      if (namespaces.equals(Map.of("kubernetes.io/metadata.name", "monitoring"))
          && pods.equals(Map.of("app.kubernetes.io/name", "prometheus"))) {
        return Optional.of(PROMETHEUS);
      }
      return Optional.empty();
    }
  }

  /** The services with the peers that must reach them, and nothing else may. */
  static final Map<String, Set<Peer>> SERVICES =
      Map.of(
          "mos-scorer", Set.of(Peer.EVALUATOR, Peer.INGRESS, Peer.PROMETHEUS),
          "mos-trainer-service", Set.of(Peer.INGRESS, Peer.PROMETHEUS));

  /** Where the services read their token: a file of the mounted mos-auth Secret. */
  static final String SECRET = "mos-auth";

  private SecurityChecks() {}

  /**
   * Every pod: runAsNonRoot, seccomp RuntimeDefault (pod or container); every container: no
   * privilege escalation, not privileged, read-only root filesystem, capabilities drop ALL, and a
   * writable emptyDir on /tmp.
   */
  static List<String> podSecurity(Rendering r) {
    List<String> out = new ArrayList<>();
    for (Workload w : r.workloads()) {
      PodSecurityContext pod = w.template().getSpec().getSecurityContext();
      if (pod == null || !Boolean.TRUE.equals(pod.getRunAsNonRoot())) {
        out.add(w.describe() + " does not set securityContext.runAsNonRoot: true");
      }
      boolean podSeccomp = pod != null && runtimeDefault(pod.getSeccompProfile());
      Map<String, Volume> volumes = new java.util.HashMap<>();
      Objects.requireNonNullElse(w.template().getSpec().getVolumes(), List.<Volume>of())
          .forEach(v -> volumes.put(v.getName(), v));
      for (Container c : w.containers()) {
        String where = WorkloadChecks.where(w, c);
        SecurityContext s = c.getSecurityContext();
        if (s == null) {
          out.add(where + " has no securityContext");
          continue;
        }
        if (!podSeccomp && !runtimeDefault(s.getSeccompProfile())) {
          out.add(where + " runs without the RuntimeDefault seccomp profile");
        }
        if (!Boolean.FALSE.equals(s.getAllowPrivilegeEscalation())) {
          out.add(where + " does not set allowPrivilegeEscalation: false");
        }
        if (Boolean.TRUE.equals(s.getPrivileged())) {
          out.add(where + " is privileged");
        }
        if (!Boolean.TRUE.equals(s.getReadOnlyRootFilesystem())) {
          out.add(where + " does not set readOnlyRootFilesystem: true");
        }
        Capabilities caps = s.getCapabilities();
        if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
          out.add(where + " does not drop ALL capabilities");
        } else if (caps.getAdd() != null && !caps.getAdd().isEmpty()) {
          out.add(where + " adds capabilities " + caps.getAdd());
        }
        boolean tmp =
            Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of()).stream()
                .anyMatch(
                    m ->
                        m.getMountPath().equals("/tmp")
                            && !Boolean.TRUE.equals(m.getReadOnly())
                            && volumes.containsKey(m.getName())
                            && volumes.get(m.getName()).getEmptyDir() != null);
        if (!tmp) {
          out.add(where + " has no writable emptyDir on /tmp (the root filesystem is read-only)");
        }
      }
    }
    return out;
  }

  /**
   * Each service of {@link #SERVICES} in the rendering is selected by a NetworkPolicy for Ingress
   * whose every rule names peers and ports, every peer is one meant for that service, and every
   * peer meant for it is admitted; no policy admits everyone.
   */
  static List<String> networkPolicies(Rendering r) {
    List<String> out = new ArrayList<>();
    for (var service : SERVICES.entrySet()) {
      Optional<Deployment> d = r.find(Deployment.class, service.getKey());
      if (d.isEmpty()) {
        continue;
      }
      Map<String, String> podLabels = d.get().getSpec().getTemplate().getMetadata().getLabels();
      List<NetworkPolicy> policies =
          r.all(NetworkPolicy.class).stream()
              .filter(p -> selects(p.getSpec().getPodSelector(), podLabels))
              .filter(p -> p.getSpec().getPolicyTypes().contains("Ingress"))
              .toList();
      String name = "Deployment " + service.getKey();
      if (policies.isEmpty()) {
        out.add(name + " is selected by no NetworkPolicy for Ingress: anyone may reach it");
        continue;
      }
      Set<Peer> admitted = new HashSet<>();
      for (NetworkPolicy p : policies) {
        String where = "NetworkPolicy " + p.getMetadata().getName();
        for (NetworkPolicyIngressRule rule :
            Objects.requireNonNullElse(
                p.getSpec().getIngress(), List.<NetworkPolicyIngressRule>of())) {
          if (rule.getFrom() == null || rule.getFrom().isEmpty()) {
            out.add(where + " has a rule without 'from': it admits every source");
          }
          if (rule.getPorts() == null || rule.getPorts().isEmpty()) {
            out.add(where + " has a rule without 'ports': it opens every port");
          } else {
            for (NetworkPolicyPort port : rule.getPorts()) {
              Container c = d.get().getSpec().getTemplate().getSpec().getContainers().get(0);
              if (WorkloadChecks.containerPort(c, port.getPort()).isEmpty()) {
                out.add(
                    where + " opens port " + port.getPort().getValue() + ", not one of the app's");
              }
            }
          }
          for (NetworkPolicyPeer peer :
              Objects.requireNonNullElse(rule.getFrom(), List.<NetworkPolicyPeer>of())) {
            Optional<Peer> known = Peer.of(peer);
            if (known.isEmpty() || !service.getValue().contains(known.get())) {
              out.add(where + " admits " + describe(peer) + ", not one of " + service.getValue());
            } else {
              admitted.add(known.get());
            }
          }
        }
      }
      for (Peer missing : service.getValue()) {
        if (!admitted.contains(missing)) {
          out.add(name + ": no NetworkPolicy admits " + missing);
        }
      }
    }
    return out;
  }

  /**
   * The container of {@code deployment} has authentication on ({@code MOS_AUTH_ENABLED=true}) and
   * reads its tokens from a file ({@code MOS_AUTH_TOKEN_FILE}) on a read-only mount of the {@link
   * #SECRET} Secret.
   */
  static List<String> authentication(Rendering r, String deployment) {
    List<String> out = new ArrayList<>();
    Optional<Deployment> d = r.find(Deployment.class, deployment);
    if (d.isEmpty()) {
      return out;
    }
    var spec = d.get().getSpec().getTemplate().getSpec();
    Container c = spec.getContainers().get(0);
    String where = "Deployment " + deployment + " container " + c.getName();
    if (!WorkloadChecks.env(c, "MOS_AUTH_ENABLED").equals(Optional.of("true"))) {
      out.add(where + " does not set MOS_AUTH_ENABLED=true");
    }
    Optional<String> file = WorkloadChecks.env(c, "MOS_AUTH_TOKEN_FILE");
    if (file.isEmpty()) {
      out.add(where + " does not set MOS_AUTH_TOKEN_FILE");
      return out;
    }
    Optional<VolumeMount> mount =
        Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of()).stream()
            .filter(m -> file.get().startsWith(m.getMountPath() + "/"))
            .findFirst();
    Optional<Volume> volume =
        mount.flatMap(
            m ->
                Objects.requireNonNullElse(spec.getVolumes(), List.<Volume>of()).stream()
                    .filter(v -> v.getName().equals(m.getName()))
                    .findFirst());
    if (volume.isEmpty()
        || volume.get().getSecret() == null
        || !SECRET.equals(volume.get().getSecret().getSecretName())) {
      out.add(
          where + ": MOS_AUTH_TOKEN_FILE " + file.get() + " is not on a mount of Secret " + SECRET);
    } else if (!Boolean.TRUE.equals(mount.get().getReadOnly())) {
      out.add(where + " mounts the Secret " + SECRET + " writable");
    }
    return out;
  }

  /**
   * The trainer's job service (when in the rendering) confines job paths ({@code
   * TRAINER_JOB_ROOTS}) to folders that are mounts of its pod.
   */
  static List<String> jobRoots(Rendering r) {
    List<String> out = new ArrayList<>();
    Optional<Deployment> d = r.find(Deployment.class, "mos-trainer-service");
    if (d.isEmpty()) {
      return out;
    }
    Container c = d.get().getSpec().getTemplate().getSpec().getContainers().get(0);
    Optional<String> roots = WorkloadChecks.env(c, "TRAINER_JOB_ROOTS");
    if (roots.isEmpty()) {
      out.add("Deployment mos-trainer-service does not set TRAINER_JOB_ROOTS");
      return out;
    }
    Set<String> mounts = new HashSet<>();
    Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())
        .forEach(m -> mounts.add(m.getMountPath()));
    for (String root : roots.get().split(",")) {
      if (!mounts.contains(root.strip())) {
        out.add("Deployment mos-trainer-service: job root " + root + " is not a mount " + mounts);
      }
    }
    return out;
  }

  private static boolean runtimeDefault(SeccompProfile p) {
    return p != null && "RuntimeDefault".equals(p.getType());
  }

  private static Map<String, String> labels(LabelSelector s) {
    if (s == null || s.getMatchLabels() == null) {
      return Map.of();
    }
    return s.getMatchLabels();
  }

  private static boolean selects(LabelSelector s, Map<String, String> podLabels) {
    return s != null
        && (s.getMatchExpressions() == null || s.getMatchExpressions().isEmpty())
        && Rendering.selects(s.getMatchLabels(), podLabels);
  }

  private static String describe(NetworkPolicyPeer p) {
    List<String> parts = new ArrayList<>();
    if (p.getIpBlock() != null) {
      parts.add("ipBlock " + p.getIpBlock().getCidr());
    }
    if (p.getNamespaceSelector() != null) {
      parts.add("namespaces " + labels(p.getNamespaceSelector()));
    }
    if (p.getPodSelector() != null) {
      parts.add("pods " + labels(p.getPodSelector()));
    }
    return String.join(" and ", parts);
  }
}
