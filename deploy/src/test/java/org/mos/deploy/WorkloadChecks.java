package org.mos.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.mos.deploy.Rendering.Workload;

/**
 * Checks of each pod template on its own: resources, probes, images, volumes, environment, GPU
 * placement and command lines. Each returns its violations as readable lines (empty = fine), so
 * that a test can show all of them at once and the checks themselves can be tested on bad input.
 */
final class WorkloadChecks {

  static final String GPU = "nvidia.com/gpu";

  private WorkloadChecks() {}

  /** Every container asks for CPU and memory and is limited in both. */
  static List<String> requestsAndLimits(Rendering r) {
    List<String> out = new ArrayList<>();
    for (Workload w : r.workloads()) {
      for (Container c : w.containers()) {
        ResourceRequirements res = c.getResources();
        for (String kind : List.of("requests", "limits")) {
          Map<String, Quantity> q =
              res == null ? null : kind.equals("requests") ? res.getRequests() : res.getLimits();
          for (String resource : List.of("cpu", "memory")) {
            if (q == null || !q.containsKey(resource)) {
              out.add(where(w, c) + " has no " + resource + " in resources." + kind);
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Probes are HTTP GETs of the app's own health endpoints (liveness on live, readiness on ready,
   * startup on started) on a container port that is the app's HTTP port; long-running workloads
   * (Deployments) have readiness and liveness probes.
   */
  static List<String> probes(Rendering r, Map<String, AppConfig> appsByRepository) {
    List<String> out = new ArrayList<>();
    for (Workload w : r.workloads()) {
      for (Container c : w.containers()) {
        AppConfig app = appsByRepository.get(repository(c.getImage()));
        if (w.owner() instanceof Deployment
            && (c.getReadinessProbe() == null || c.getLivenessProbe() == null)) {
          out.add(where(w, c) + " runs as a service but lacks a readiness or liveness probe");
        }
        probe(w, c, app, "live", c.getLivenessProbe(), out);
        probe(w, c, app, "ready", c.getReadinessProbe(), out);
        probe(w, c, app, "started", c.getStartupProbe(), out);
      }
    }
    return out;
  }

  private static void probe(
      Workload w, Container c, AppConfig app, String check, Probe p, List<String> out) {
    if (p == null) {
      return;
    }
    if (app == null || p.getHttpGet() == null) {
      out.add(where(w, c) + ": the " + check + " probe must be an HTTP GET of the app's health");
      return;
    }
    String path = p.getHttpGet().getPath();
    if (!app.healthPath(check).equals(path)) {
      out.add(
          where(w, c)
              + ": the "
              + check
              + " probe asks "
              + path
              + ", the app serves "
              + app.healthPath(check));
    }
    Optional<Integer> port = containerPort(c, p.getHttpGet().getPort());
    if (port.isEmpty() || port.get() != app.httpPort()) {
      out.add(
          where(w, c)
              + ": the "
              + check
              + " probe's port "
              + p.getHttpGet().getPort().getValue()
              + " is not the app's HTTP port "
              + app.httpPort());
    }
  }

  /**
   * Every image is one the build makes (group/name from the app's Jib config): the CUDA tag for the
   * workloads named in {@code cuda}, the CPU tag for all others.
   */
  static List<String> images(
      Rendering r, Map<String, AppConfig> appsByRepository, Set<String> cuda) {
    List<String> out = new ArrayList<>();
    for (Workload w : r.workloads()) {
      for (Container c : w.containers()) {
        AppConfig app = appsByRepository.get(repository(c.getImage()));
        if (app == null) {
          out.add(
              where(w, c)
                  + " runs "
                  + c.getImage()
                  + ", which the build does not make "
                  + appsByRepository.keySet());
          continue;
        }
        boolean wantCuda = cuda.contains(w.owner().getMetadata().getName());
        String expected = app.imageRepository() + ":" + (wantCuda ? app.cudaTag() : app.cpuTag());
        if (!expected.equals(c.getImage())) {
          out.add(where(w, c) + " runs " + c.getImage() + ", expected " + expected);
        }
      }
    }
    return out;
  }

  /** Mounts name volumes of the pod; claims name PersistentVolumeClaims of the rendering. */
  static List<String> volumes(Rendering r) {
    List<String> out = new ArrayList<>();
    Set<String> claims = new HashSet<>();
    r.all(PersistentVolumeClaim.class).forEach(p -> claims.add(p.getMetadata().getName()));
    for (Workload w : r.workloads()) {
      List<Volume> volumes =
          Objects.requireNonNullElse(w.template().getSpec().getVolumes(), List.of());
      Set<String> names = new HashSet<>();
      for (Volume v : volumes) {
        names.add(v.getName());
        if (v.getPersistentVolumeClaim() != null
            && !claims.contains(v.getPersistentVolumeClaim().getClaimName())) {
          out.add(
              w.describe()
                  + ": volume "
                  + v.getName()
                  + " claims "
                  + v.getPersistentVolumeClaim().getClaimName()
                  + ", which is not in "
                  + r.name());
        }
      }
      for (Container c : w.containers()) {
        for (VolumeMount m :
            Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
          if (!names.contains(m.getName())) {
            out.add(where(w, c) + " mounts " + m.getName() + ", which is not a volume of the pod");
          }
        }
      }
    }
    return out;
  }

  /** No container sets a variable twice (kubelet keeps the last: a patch appended a duplicate). */
  static List<String> environment(Rendering r) {
    List<String> out = new ArrayList<>();
    for (Workload w : r.workloads()) {
      for (Container c : w.containers()) {
        Set<String> seen = new HashSet<>();
        for (EnvVar e : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
          if (!seen.add(e.getName())) {
            out.add(where(w, c) + " sets " + e.getName() + " twice");
          }
        }
      }
    }
    return out;
  }

  /**
   * The workloads in {@code gpu} request GPUs, run on GPU nodes and tolerate their taint; no other
   * workload asks for a GPU.
   */
  static List<String> gpuPlacement(Rendering r, Set<String> gpu) {
    List<String> out = new ArrayList<>();
    for (Workload w : r.workloads()) {
      boolean wanted = gpu.contains(w.owner().getMetadata().getName());
      var spec = w.template().getSpec();
      for (Container c : w.template().getSpec().getContainers()) {
        ResourceRequirements res = c.getResources();
        boolean limited =
            res != null && res.getLimits() != null && res.getLimits().containsKey(GPU);
        if (wanted && !limited) {
          out.add(where(w, c) + " has no " + GPU + " limit");
        } else if (!wanted && limited) {
          out.add(where(w, c) + " asks for a GPU but is not meant to run on one");
        }
      }
      if (wanted) {
        if (spec.getNodeSelector() == null || spec.getNodeSelector().isEmpty()) {
          out.add(w.describe() + " has no nodeSelector for GPU nodes");
        }
        List<Toleration> t = Objects.requireNonNullElse(spec.getTolerations(), List.of());
        if (t.stream().noneMatch(x -> GPU.equals(x.getKey()))) {
          out.add(w.describe() + " does not tolerate the " + GPU + " taint");
        }
      }
    }
    return out;
  }

  /**
   * The container runs {@code command} with options it declares; every absolute path in the
   * arguments (also as NAME=PATH) lies under one of the container's mounts.
   */
  static List<String> commandLine(Workload w, String command, Set<String> options) {
    List<String> out = new ArrayList<>();
    Container c = w.template().getSpec().getContainers().get(0);
    List<String> args = Objects.requireNonNullElse(c.getArgs(), List.of());
    if (args.isEmpty() || !args.get(0).equals(command)) {
      out.add(where(w, c) + " runs " + args + ", expected the command '" + command + "'");
      return out;
    }
    List<String> mounts =
        Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of()).stream()
            .map(VolumeMount::getMountPath)
            .toList();
    for (String arg : args.subList(1, args.size())) {
      if (arg.startsWith("-")) {
        String option = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        if (!options.contains(option)) {
          out.add(where(w, c) + ": '" + command + "' has no option " + option + " " + options);
        }
      }
      String path = arg.contains("=/") ? arg.substring(arg.indexOf("=/") + 1) : arg;
      if (path.startsWith("/")
          && mounts.stream().noneMatch(m -> path.equals(m) || path.startsWith(m + "/"))) {
        out.add(where(w, c) + ": " + path + " is on none of the mounts " + mounts);
      }
    }
    return out;
  }

  /** The value of a container's variable, when set. */
  static Optional<String> env(Container c, String name) {
    return Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of()).stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .reduce((first, last) -> last);
  }

  /** The number of a container port given by number or by name. */
  static Optional<Integer> containerPort(Container c, IntOrString port) {
    if (port == null) {
      return Optional.empty();
    }
    List<ContainerPort> ports = Objects.requireNonNullElse(c.getPorts(), List.of());
    if (port.getIntVal() != null) {
      return ports.stream()
          .map(ContainerPort::getContainerPort)
          .filter(port.getIntVal()::equals)
          .findFirst();
    }
    return ports.stream()
        .filter(p -> port.getStrVal().equals(p.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst();
  }

  /** The image without its tag or digest. */
  static String repository(String image) {
    String name = image.contains("@") ? image.substring(0, image.indexOf('@')) : image;
    int colon = name.lastIndexOf(':');
    return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
  }

  static String where(Workload w, Container c) {
    return w.describe() + " container " + c.getName();
  }
}
