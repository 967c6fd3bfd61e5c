package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The manifests under k8s/ against the code they deploy: every file loads as typed Kubernetes
 * objects, and every rendering (base, overlays, base + each component) keeps the invariants of
 * {@link WorkloadChecks}, {@link WiringChecks} and {@link KafkaChecks}.
 */
class DeployManifestsTest {

  private static final java.util.Set<String> SCORER_SERIES =
      MonitoringChecks.exportedSeries(Repo.ROOT.resolve("scorer/src/main/java"));

  static List<String> renderings() {
    return Renderings.all();
  }

  @Test
  void everyManifestLoadsAsTypedObjectsWithoutUnknownFields() {
    List<String> problems = new ArrayList<>();
    int objects = 0;
    for (Path file : Repo.yamlFiles()) {
      var docs = Kustomize.readYaml(file);
      boolean kustomizeFile = file.getFileName().toString().equals("kustomization.yaml");
      if (kustomizeFile || docs.isEmpty() || docs.get(0).isArray()) {
        continue; // kustomizations and JSON 6902 patches are not objects
      }
      for (var node : Kustomize.readResources(file)) {
        HasMetadata typed = Rendering.typed(node);
        objects++;
        String where = Repo.K8S.relativize(file) + " " + typed.getKind();
        if (typed instanceof GenericKubernetesResource
            && !typed.getApiVersion().startsWith("kafka.strimzi.io/")) {
          problems.add(where + " (" + typed.getApiVersion() + ") has no typed model");
        }
        ModelStrictness.unknownFields(typed)
            .forEach(f -> problems.add(where + ": unknown field " + f));
      }
    }
    assertThat(objects).isGreaterThanOrEqualTo(20);
    assertThat(problems).isEmpty();
  }

  @Test
  void everyKustomizationAndComponentIsRendered() {
    assertThat(renderings())
        .contains("base", "overlays/cpu", "overlays/gpu", "overlays/kafka")
        .anyMatch(d -> d.endsWith("base-with-components-trainer-service"))
        .anyMatch(d -> d.endsWith("base-with-components-monitoring"))
        .anyMatch(d -> d.endsWith("base-with-components-auth"));
  }

  /** Asserts that the checks found no problem, listing all of them when they did. */
  @SafeVarargs
  private static void assertNoProblems(List<String>... problemsOfEachCheck) {
    assertThat(java.util.Arrays.stream(problemsOfEachCheck).flatMap(List::stream)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void everyContainerHasRequestsAndLimits(String dir) {
    assertThat(WorkloadChecks.requestsAndLimits(Renderings.of(dir))).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void probesAskTheAppsHealthEndpointsOnTheirHttpPort(String dir) {
    assertThat(WorkloadChecks.probes(Renderings.of(dir), Repo.APPS)).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void imagesAreTheOnesJibBuilds(String dir) {
    assertThat(WorkloadChecks.images(Renderings.of(dir), Repo.APPS, Renderings.gpuWorkloads(dir)))
        .isEmpty();
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void selectorsServicesAndAutoscalingFitTogether(String dir) {
    Rendering r = Renderings.of(dir);
    assertNoProblems(
        WiringChecks.selectors(r),
        WiringChecks.autoscaling(r),
        WiringChecks.monitoring(r, Repo.SCORER));
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void dashboardsAndAlertsQueryOnlySeriesTheScorerExports(String dir) {
    assertThat(MonitoringChecks.check(Renderings.of(dir), SCORER_SERIES)).isEmpty();
  }

  @Test
  void theCpuOverlayShipsTheDashboardAndTheAlerts() {
    Rendering r = Renderings.of("overlays/cpu");
    assertThat(r.all(io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("mos-scorer");
    assertThat(r.all(io.fabric8.kubernetes.api.model.ConfigMap.class))
        .filteredOn(
            m ->
                m.getMetadata().getLabels() != null
                    && "1".equals(m.getMetadata().getLabels().get("grafana_dashboard")))
        .hasSize(1);
    assertThat(SCORER_SERIES)
        .contains(
            "mos_scorer_ood_share",
            "mos_scorer_drift_ks",
            "mos_scorer_score_rank_percent_bucket",
            "mos_scorer_request_latency_seconds_bucket");
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void volumesAndEnvironmentAreConsistent(String dir) {
    Rendering r = Renderings.of(dir);
    assertNoProblems(WorkloadChecks.volumes(r), WorkloadChecks.environment(r));
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void scorerPortsAreTheScorersConfiguredPorts(String dir) {
    assertThat(WiringChecks.scorerPorts(Renderings.of(dir), Repo.SCORER)).isEmpty();
    assertThat(Repo.SCORER.httpPort()).isEqualTo(8080);
    assertThat(Repo.SCORER.grpcPort()).isEqualTo(9000);
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void onlyTheGpuOverlayAsksForGpusAndThereTheScorerRunsOnCuda(String dir) {
    Rendering r = Renderings.of(dir);
    assertThat(WorkloadChecks.gpuPlacement(r, Renderings.gpuWorkloads(dir))).isEmpty();
    var scorer = r.get(Deployment.class, "mos-scorer").getSpec().getTemplate().getSpec();
    String device = dir.equals("overlays/gpu") ? "cuda" : "cpu";
    assertThat(WorkloadChecks.env(scorer.getContainers().get(0), "SCORER_DEVICE")).contains(device);
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void jobsAreCreatedSuspendedAndObjectsLiveInTheMosNamespace(String dir) {
    Rendering r = Renderings.of(dir);
    assertThat(r.all(Job.class))
        .isNotEmpty()
        .allMatch(j -> Boolean.TRUE.equals(j.getSpec().getSuspend()));
    assertThat(r.resources())
        .filteredOn(x -> !(x instanceof Namespace))
        .allMatch(x -> "mos".equals(x.getMetadata().getNamespace()));
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void commandLinesUseTheCommandsRealOptionsAndMountedPaths(String dir) {
    Rendering r = Renderings.of(dir);
    Path cli = Repo.ROOT.resolve("trainer/src/main/java/org/mos/trainer/cli");
    Set<String> train =
        CommandOptions.of(
            cli.resolve("TrainCommand.java"),
            Repo.ROOT.resolve("trainer/src/main/java/org/mos/trainer/train/TrainSpec.java"));
    List<String> problems =
        new ArrayList<>(WorkloadChecks.commandLine(r.workload("mos-train"), "train", train));
    problems.addAll(
        WorkloadChecks.commandLine(r.workload("mos-evaluate"), "evaluate", EvaluateOptions.get()));
    r.find(Deployment.class, "mos-trainer-service")
        .ifPresent(
            d -> {
              var w = r.workload("mos-trainer-service");
              problems.addAll(
                  WorkloadChecks.commandLine(
                      w, "serve", CommandOptions.of(cli.resolve("ServeCommand.java"))));
              List<String> args = w.template().getSpec().getContainers().get(0).getArgs();
              assertThat(args.get(args.indexOf("--port") + 1))
                  .isEqualTo(String.valueOf(Repo.TRAINER.httpPort()));
            });
    assertThat(problems).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void podsRunHardenedAndOnlyTheirPeersReachTheServices(String dir) {
    Rendering r = Renderings.of(dir);
    assertNoProblems(SecurityChecks.podSecurity(r), SecurityChecks.networkPolicies(r));
    assertThat(r.all(NetworkPolicy.class))
        .extracting(p -> p.getMetadata().getName())
        .contains("mos-scorer");
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void theOverlaysAndTheTrainerServiceNeedTheTokenOfTheSecret(String dir) {
    Rendering r = Renderings.of(dir);
    assertNoProblems(
        SecurityChecks.authentication(r, "mos-trainer-service"), SecurityChecks.jobRoots(r));
    boolean scorerAuth = dir.startsWith("overlays/") || dir.endsWith("base-with-components-auth");
    if (scorerAuth) {
      assertThat(SecurityChecks.authentication(r, "mos-scorer")).isEmpty();
    } else {
      assertThat(WorkloadChecks.env(r.firstContainerOf("mos-scorer"), "MOS_AUTH_ENABLED"))
          .isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void scorersUseKafkaOnlyInTheKafkaOverlay(String dir) {
    Rendering r = Renderings.of(dir);
    var scorer = r.firstContainerOf("mos-scorer");
    if (dir.equals("overlays/kafka")) {
      assertThat(KafkaChecks.wiring(r, "mos-scorer", "mos-evaluate")).isEmpty();
    } else {
      assertThat(WorkloadChecks.env(scorer, "SCORER_KAFKA_ENABLED")).isEmpty();
      assertThat(r.custom("Kafka")).isEmpty();
    }
  }
}
