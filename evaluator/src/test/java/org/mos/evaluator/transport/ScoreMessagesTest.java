package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.mos.common.score.OdinSettings;
import org.mos.scorer.grpc.v1.ImageResult;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;

/** The messaging transports' requests carry ODIN's settings in the scorer's proto fields. */
class ScoreMessagesTest {

  @Test
  void aRequestCarriesBothOdinFieldsOrNeither() throws Exception {
    byte[] png = {1, 2, 3};
    ScoreRequest withOdin =
        ScoreRequest.parseFrom(
            ScoreMessages.request(
                    "run", 7, "m", png, List.of("odin"), new OdinSettings(0.0014, 500))
                .toByteArray());
    assertThat(withOdin.getOdinEps()).isEqualTo(0.0014);
    assertThat(withOdin.getOdinTemperature()).isEqualTo(500);
    assertThat(ScoreMessages.odin(withOdin)).isEqualTo(new OdinSettings(0.0014, 500));
    // epsilon 0 is sent too: the scorer must not take the bundle's epsilon instead
    ScoreRequest zero =
        ScoreMessages.request("run", 8, "m", png, List.of(), new OdinSettings(0, 1000));
    assertThat(zero.hasOdinEps()).isTrue();
    ScoreRequest bundles = ScoreMessages.request("run", 9, "m", png, List.of("odin"));
    assertThat(bundles.hasOdinEps() || bundles.hasOdinTemperature()).isFalse();
    assertThat(ScoreMessages.odin(bundles)).isNull();
    // half a setting: the other half is the paper's, as the scorer reads it
    assertThat(ScoreMessages.odin(bundles.toBuilder().setOdinEps(0.01).build()))
        .isEqualTo(new OdinSettings(0.01, 1000));
  }

  @Test
  void aRequestCarriesItsIncludeAndTheResultItsLogitsAndFeatures() {
    ScoreRequest r =
        ScoreMessages.request(
            "run", 3, "m", new byte[] {1}, List.of("maxlogit"), null, Set.of("features", "logits"));
    assertThat(r.getIncludeList()).containsExactly("features", "logits");
    ImageTask task = new ImageTask(3, "fit", "a.png", Path.of("a.png"), -1);
    ScoreResponse reply =
        ScoreResponse.newBuilder()
            .setRequestId(r.getRequestId())
            .addImages(
                ImageResult.newBuilder()
                    .setPredictedClass(1)
                    .putScores("maxlogit", 2.5)
                    .addAllLogits(List.of(0.5f, 2.5f))
                    .addAllFeatures(List.of(1f, -2f, 0.25f)))
            .build();
    ScoredImage scored = ScoreMessages.result(task, reply);
    assertThat(scored.outputs()).containsOnlyKeys("logits", "features");
    assertThat(scored.outputs().get("logits")).containsExactly(0.5f, 2.5f);
    assertThat(scored.outputs().get("features")).containsExactly(1f, -2f, 0.25f);
    // a request without include gets no outputs back
    assertThat(
            ScoreMessages.result(
                    task,
                    reply.toBuilder()
                        .setImages(0, reply.getImages(0).toBuilder().clearLogits().clearFeatures())
                        .build())
                .outputs())
        .isEmpty();
  }

  @Test
  void anOutputAScorerCannotReturnIsRefusedByName() {
    assertThatThrownBy(() -> ScoringTransport.checkInclude(Set.of("block1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a scorer returns no graph output 'block1'");
  }
}
