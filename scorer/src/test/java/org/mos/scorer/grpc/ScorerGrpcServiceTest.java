package org.mos.scorer.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.Scorer;
import org.mos.scorer.grpc.v1.Tensor;

/** The gRPC API on the linear test bundles; expected values worked out by hand. */
@QuarkusTest
@WithTestResource(TestBundles.class)
class ScorerGrpcServiceTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @GrpcClient("scorer")
  Scorer client;

  private static ScoreRequest request(String id, String model, Image image) {
    return ScoreRequest.newBuilder()
        .setRequestId(id)
        .setModel(model)
        .addImages(image)
        .addMethods("maxlogit")
        .build();
  }

  private static Image png(int r, int g, int b) {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(TestBundles.png(r, g, b))).build();
  }

  @Test
  void scoresAnEncodedImageWithMosAndItsDecision() {
    ScoreResponse r =
        client
            .score(
                ScoreRequest.newBuilder()
                    .setModel("grouped")
                    .addImages(png(255, 0, 51))
                    .addMethods("mos")
                    .setTpr(0.5)
                    .addInclude("logits")
                    .build())
            .await()
            .atMost(WAIT);
    // logits (0, 1 | 0, 1, -0.6): mos = -min(1/(1+e), 1/(1+e+e^-0.6)); threshold at TPR 0.5 of
    // {-0.5, -0.4, -0.3, -0.2} = -0.3
    assertThat(r.getImages(0).getScoresOrThrow("mos"))
        .isCloseTo(-1 / (1 + Math.E + Math.exp(-0.6)), within(1e-6));
    assertThat(r.getImages(0).getDecisionsOrThrow("mos").getThreshold()).isEqualTo(-0.3);
    assertThat(r.getImages(0).getDecisionsOrThrow("mos").getOod()).isFalse();
    assertThat(r.getImages(0).getGroup()).isZero();
    assertThat(r.getImages(0).getLogitsList()).hasSize(5);
  }

  @Test
  void scoresAPreprocessedTensor() {
    // channels constant (0.5, 0.25, -1): logits (1, 0.5, 1.25)
    Tensor.Builder t = Tensor.newBuilder().addAllShape(List.of(3L, 4L, 4L));
    for (float v : new float[] {0.5f, 0.25f, -1f}) {
      for (int p = 0; p < 16; p++) {
        t.addData(v);
      }
    }
    ScoreResponse r =
        client
            .score(request("t", "flat", Image.newBuilder().setTensor(t).build()))
            .await()
            .atMost(WAIT);
    assertThat(r.getImages(0).getScoresOrThrow("maxlogit")).isCloseTo(1.25, within(1e-5));
    assertThat(r.getImages(0).getPredictedClass()).isEqualTo(2);
    assertThat(r.getImages(0).getGroup()).isEqualTo(-1);
    // where the request's time went, as the REST Server-Timing header says it
    assertThat(r.hasTiming()).isTrue();
    assertThat(r.getTiming().getInferMs()).isPositive();
    assertThat(r.getTiming().getBatchImages()).isEqualTo(1);
    assertThat(r.getTiming().getPrepareMs()).isNotNegative();
    assertThat(r.getTiming().getQueueMs()).isNotNegative();
  }

  @Test
  void odinSettingsOfARequestPerturbTheInput() {
    // channels constant (0.5, 0.25, -1): logits (1, 0.5, 1.25), class 2; v = softmax - onehot(2)
    // has signs (+, +, -), sum_k v_k W_kc signs (+, +, +): f' = f - 0.1 = (0.4, 0.15, -1.1),
    // logits' = (0.9, 0.3, 1.35)
    Tensor.Builder t = Tensor.newBuilder().addAllShape(List.of(3L, 4L, 4L));
    for (float v : new float[] {0.5f, 0.25f, -1f}) {
      for (int p = 0; p < 16; p++) {
        t.addData(v);
      }
    }
    ScoreRequest odin =
        request("o", "flat", Image.newBuilder().setTensor(t).build()).toBuilder()
            .clearMethods()
            .addMethods("odin")
            .setOdinEps(0.1)
            .setOdinTemperature(1)
            .build();
    ScoreResponse r = client.score(odin).await().atMost(WAIT);
    double sum = Math.exp(0.9) + Math.exp(0.3) + Math.exp(1.35);
    assertThat(r.getImages(0).getScoresOrThrow("odin"))
        .isCloseTo(Math.exp(1.35) / sum, within(1e-6));
  }

  @Test
  void unaryErrorsAreGrpcStatuses() {
    assertThatThrownBy(() -> client.score(request("x", "nope", png(1, 2, 3))).await().atMost(WAIT))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    Image garbage = Image.newBuilder().setEncoded(ByteString.copyFrom(new byte[] {1, 2})).build();
    assertThatThrownBy(() -> client.score(request("y", "flat", garbage)).await().atMost(WAIT))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void streamAnswersInRequestOrderAndReportsErrorsInline() {
    List<ScoreResponse> out =
        client
            .scoreStream(
                Multi.createFrom()
                    .items(
                        request("a", "flat", png(255, 0, 51)),
                        request("b", "nope", png(255, 0, 51)),
                        request("c", "flat", png(0, 0, 0))))
            .collect()
            .asList()
            .await()
            .atMost(WAIT);
    assertThat(out).extracting(ScoreResponse::getRequestId).containsExactly("a", "b", "c");
    assertThat(out.get(0).getImages(0).getScoresOrThrow("maxlogit")).isCloseTo(1.5, within(1e-5));
    assertThat(out.get(1).getError().getStatus()).isEqualTo(404);
    assertThat(out.get(2).getImages(0).getScoresOrThrow("maxlogit")).isCloseTo(1.25, within(1e-5));
  }

  @Test
  void listsModels() {
    List<ModelInfo> models =
        client
            .listModels(ListModelsRequest.getDefaultInstance())
            .await()
            .atMost(WAIT)
            .getModelsList();
    assertThat(models).extracting(ModelInfo::getName).containsExactly("flat", "grouped", "maha");
    assertThat(models.get(1).getGroupSizesList()).containsExactly(1, 2);
  }
}
