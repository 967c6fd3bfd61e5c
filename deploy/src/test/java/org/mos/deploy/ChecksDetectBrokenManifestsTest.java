package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each check on a real rendering broken in one place (one JSON 6902 patch): it names the fault.
 * Without these, a check that never reports anything would pass {@link DeployManifestsTest} too.
 */
class ChecksDetectBrokenManifestsTest {

  private static final String SCORER = "Deployment mos-scorer container scorer";

  /** The rendering of k8s/{dir} with one object changed by a JSON 6902 patch (YAML). */
  private static Rendering broken(String dir, String kind, String name, String patch) {
    List<ObjectNode> nodes = Kustomize.render(Repo.K8S.resolve(dir));
    int hits = 0;
    for (int i = 0; i < nodes.size(); i++) {
      ObjectNode n = nodes.get(i);
      if (n.path("kind").asText().equals(kind)
          && n.path("metadata").path("name").asText().equals(name)) {
        nodes.set(i, (ObjectNode) JsonPatch.apply(yaml(patch), n));
        hits++;
      }
    }
    assertThat(hits).as("%s %s in %s", kind, name, dir).isEqualTo(1);
    return new Rendering(dir, nodes.stream().map(Rendering::typed).toList());
  }

  private static JsonNode yaml(String text) {
    try {
      return Kustomize.YAML.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  private static final String SCORER_CONTAINER = "/spec/template/spec/containers/0";

  /** The cpu overlay with {@code value} put at {@code field} of the scorer's container. */
  private static Rendering scorerContainerWith(String field, String value) {
    return broken(
        "overlays/cpu",
        "Deployment",
        "mos-scorer",
        "[{op: replace, path: " + SCORER_CONTAINER + field + ", value: " + value + "}]");
  }

  @Test
  void reportsAContainerWithoutLimits() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Deployment",
            "mos-scorer",
            "[{op: remove, path: " + SCORER_CONTAINER + "/resources/limits}]");
    assertThat(WorkloadChecks.requestsAndLimits(r))
        .containsExactly(
            SCORER + " has no cpu in resources.limits",
            SCORER + " has no memory in resources.limits");
  }

  @Test
  void reportsAReadinessProbeOnAPathTheScorerDoesNotServe() {
    Rendering r = scorerContainerWith("/readinessProbe/httpGet/path", "/health");
    assertThat(WorkloadChecks.probes(r, Repo.APPS))
        .containsExactly(SCORER + ": the ready probe asks /health, the app serves /q/health/ready");
  }

  @Test
  void reportsALivenessProbeOnTheGrpcPort() {
    Rendering r = scorerContainerWith("/livenessProbe/httpGet/port", "grpc");
    assertThat(WorkloadChecks.probes(r, Repo.APPS))
        .containsExactly(SCORER + ": the live probe's port grpc is not the app's HTTP port 8080");
  }

  @Test
  void reportsAServicePortThatIsNotTheScorersConfiguredPort() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Service",
            "mos-scorer",
            "[{op: replace, path: /spec/ports/1/port, value: 9090}]");
    assertThat(WiringChecks.scorerPorts(r, Repo.SCORER))
        .containsExactly("Service mos-scorer port grpc is 9090, the scorer listens on 9000");
  }

  @Test
  void reportsAnImageTheBuildDoesNotMake() {
    Rendering r =
        broken(
            "overlays/gpu",
            "Deployment",
            "mos-scorer",
            "[{op: replace, path: " + SCORER_CONTAINER + "/image, value: 'mos/scorer:latest'}]");
    assertThat(WorkloadChecks.images(r, Repo.APPS, Renderings.gpuWorkloads("overlays/gpu")))
        .containsExactly(
            SCORER + " runs mos/scorer:latest, expected mos/scorer:" + Repo.VERSION + "-cuda");
  }

  @Test
  void reportsAServiceWhoseSelectorMatchesNoPods() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Service",
            "mos-scorer",
            "[{op: replace, path: '/spec/selector/app.kubernetes.io~1name', value: mos-scorers}]");
    assertThat(WiringChecks.selectors(r))
        .containsExactly("Service mos-scorer selects no pods of overlays/cpu");
  }

  @Test
  void reportsAServicePortThatNoContainerOpens() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Service",
            "mos-scorer-headless",
            "[{op: replace, path: /spec/ports/0/targetPort, value: 9001}]");
    assertThat(WiringChecks.selectors(r))
        .containsExactly(
            "Service mos-scorer-headless port grpc targets 9001, which Deployment mos-scorer does not open");
  }

  @Test
  void reportsAMisspeltFieldThatTheModelWouldSilentlyKeep() {
    ObjectNode scorer =
        Kustomize.render(Repo.K8S.resolve("base")).stream()
            .filter(n -> n.path("kind").asText().equals("Deployment"))
            .findFirst()
            .orElseThrow();
    JsonNode broken =
        JsonPatch.apply(
            yaml(
                "[{op: move, from: "
                    + SCORER_CONTAINER
                    + "/readinessProbe, path: "
                    + SCORER_CONTAINER
                    + "/readinesProbe}]"),
            scorer);
    assertThat(ModelStrictness.unknownFields(Rendering.typed((ObjectNode) broken)))
        .containsExactly(".spec.template.spec.containers[0].readinesProbe");
  }

  @Test
  void reportsADisruptionBudgetThatWouldBlockEveryDrain() {
    Rendering r =
        broken(
            "overlays/cpu",
            "HorizontalPodAutoscaler",
            "mos-scorer",
            "[{op: replace, path: /spec/minReplicas, value: 1}]");
    assertThat(WiringChecks.autoscaling(r))
        .containsExactly(
            "PodDisruptionBudget mos-scorer keeps 1 of mos-scorer available but the"
                + " autoscaler may leave only 1: no drain possible");
  }

  @Test
  void reportsAServiceMonitorScrapingAnotherPath() {
    Rendering r =
        broken(
            "overlays/cpu",
            "ServiceMonitor",
            "mos-scorer",
            "[{op: replace, path: /spec/endpoints/0/path, value: /metrics}]");
    assertThat(WiringChecks.monitoring(r, Repo.SCORER))
        .containsExactly(
            "ServiceMonitor mos-scorer scrapes /metrics, the app serves metrics on /q/metrics");
  }

  @Test
  void reportsAnAlertOnASeriesTheScorerDoesNotExportAndOneWithoutSeverity() {
    Rendering r =
        broken(
            "overlays/cpu",
            "PrometheusRule",
            "mos-scorer",
            "[{op: replace, path: /spec/groups/0/rules/0/expr, value: 'mos_scorer_ood_rate > 0.2'},"
                + "{op: remove, path: /spec/groups/0/rules/1/labels}]");
    assertThat(
            MonitoringChecks.check(
                r, MonitoringChecks.exportedSeries(Repo.ROOT.resolve("scorer/src/main/java"))))
        .containsExactly(
            "PrometheusRule mos-scorer alert MosScorerOodShareHigh queries mos_scorer_ood_rate,"
                + " which the scorer does not export",
            "PrometheusRule mos-scorer alert MosScorerScoreDrift has no severity label");
  }

  @Test
  void reportsAMountOfNoVolumeAndAClaimOutsideTheRendering() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Job",
            "mos-evaluate",
            "[{op: replace, path: /spec/template/spec/volumes/2/persistentVolumeClaim/claimName, value: results},"
                + "{op: replace, path: /spec/template/spec/containers/0/volumeMounts/0/name, value: model}]");
    assertThat(WorkloadChecks.volumes(r))
        .containsExactly(
            "Job mos-evaluate: volume results claims results, which is not in overlays/cpu",
            "Job mos-evaluate container evaluator mounts model, which is not a volume of the pod");
  }

  @Test
  void reportsAVariableSetTwice() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Deployment",
            "mos-scorer",
            "[{op: add, path: "
                + SCORER_CONTAINER
                + "/env/-, value: {name: SCORER_DEVICE, value: cuda}}]");
    assertThat(WorkloadChecks.environment(r)).containsExactly(SCORER + " sets SCORER_DEVICE twice");
  }

  @Test
  void reportsAGpuWorkloadThatDoesNotTolerateGpuNodes() {
    Rendering r =
        broken(
            "overlays/gpu",
            "Job",
            "mos-train",
            "[{op: remove, path: /spec/template/spec/tolerations}]");
    assertThat(WorkloadChecks.gpuPlacement(r, Set.of("mos-scorer", "mos-train")))
        .containsExactly("Job mos-train does not tolerate the nvidia.com/gpu taint");
    assertThat(WorkloadChecks.gpuPlacement(r, Set.of("mos-train")))
        .contains(SCORER + " asks for a GPU but is not meant to run on one");
  }

  @Test
  void reportsAnOptionTheCommandDoesNotHaveAndAPathOnNoMount() {
    Rendering r =
        broken(
            "overlays/cpu",
            "Job",
            "mos-evaluate",
            "[{op: add, path: /spec/template/spec/containers/0/args/-, value: --lr},"
                + "{op: replace, path: /spec/template/spec/containers/0/args/14, value: /scratch/table}]");
    assertThat(
            WorkloadChecks.commandLine(
                r.workload("mos-evaluate"), "evaluate", EvaluateOptions.CONTRACT))
        .hasSize(2)
        .anyMatch(m -> m.contains("'evaluate' has no option --lr"))
        .anyMatch(
            m ->
                m.contains(
                    "/scratch/table is on none of the mounts [/models, /data, /results, /tmp]"));
  }

  @Test
  void reportsTooFewRequestPartitionsForTheScorersOfOneConsumerGroup() {
    Rendering r =
        broken(
            "overlays/kafka",
            "KafkaTopic",
            "mos-score-requests",
            "[{op: replace, path: /spec/partitions, value: 4}]");
    assertThat(KafkaChecks.wiring(r, "mos-scorer", "mos-evaluate"))
        .containsExactly(
            "topic mos-score-requests has 4 partitions but up to 10 scorers share it: some would idle");
  }

  @Test
  void reportsAnEvaluatorThatSendsToAnotherTopicThanTheScorersRead() {
    Rendering r =
        broken(
            "overlays/kafka",
            "Job",
            "mos-evaluate",
            "[{op: test, path: /spec/template/spec/containers/0/args/20, value: mos-score-requests},"
                + "{op: replace, path: /spec/template/spec/containers/0/args/20, value: requests}]");
    assertThat(KafkaChecks.wiring(r, "mos-scorer", "mos-evaluate"))
        .containsExactly(
            "mos-evaluate passes --kafka-request-topic requests, expected mos-score-requests");
  }

  @Test
  void reportsAWritableRootFilesystemAndAMissingSeccompProfile() {
    Rendering r = scorerContainerWith("/securityContext/readOnlyRootFilesystem", "false");
    assertThat(SecurityChecks.podSecurity(r))
        .containsExactly(SCORER + " does not set readOnlyRootFilesystem: true");
    Rendering noSeccomp =
        broken(
            "overlays/cpu",
            "Deployment",
            "mos-scorer",
            "[{op: remove, path: /spec/template/spec/securityContext/seccompProfile}]");
    assertThat(SecurityChecks.podSecurity(noSeccomp))
        .containsExactly(SCORER + " runs without the RuntimeDefault seccomp profile");
  }

  @Test
  void reportsANetworkPolicyRuleThatAdmitsEveryone() {
    Rendering r =
        broken(
            "overlays/cpu",
            "NetworkPolicy",
            "mos-scorer",
            "[{op: remove, path: /spec/ingress/0/from}]");
    assertThat(SecurityChecks.networkPolicies(r))
        .containsExactly(
            "NetworkPolicy mos-scorer has a rule without 'from': it admits every source",
            "Deployment mos-scorer: no NetworkPolicy admits EVALUATOR");
  }

  @Test
  void reportsAPeerThatIsNotMeantToReachTheScorer() {
    Rendering r =
        broken(
            "overlays/cpu",
            "NetworkPolicy",
            "mos-scorer",
            "[{op: replace, path: /spec/ingress/1/from/0/namespaceSelector/matchLabels,"
                + " value: {team: anyone}}]");
    assertThat(SecurityChecks.networkPolicies(r))
        .containsExactly(
            "NetworkPolicy mos-scorer admits namespaces {team=anyone}, not one of "
                + SecurityChecks.SERVICES.get("mos-scorer"),
            "Deployment mos-scorer: no NetworkPolicy admits INGRESS");
  }

  @Test
  void reportsAScorerWithAuthenticationOffOrItsTokenOutsideTheSecret() {
    // env: the base's four variables, then MOS_AUTH_ENABLED and MOS_AUTH_TOKEN_FILE
    // (components/auth)
    Rendering off = scorerContainerWith("/env/4/value", "'false'");
    assertThat(SecurityChecks.authentication(off, "mos-scorer"))
        .containsExactly(SCORER + " does not set MOS_AUTH_ENABLED=true");
    Rendering elsewhere = scorerContainerWith("/env/5/value", "/tmp/token");
    assertThat(SecurityChecks.authentication(elsewhere, "mos-scorer"))
        .containsExactly(
            SCORER + ": MOS_AUTH_TOKEN_FILE /tmp/token is not on a mount of Secret mos-auth");
  }
}
