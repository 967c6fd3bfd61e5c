package org.mos.scorer.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mos.common.testkit.ImageBombs;
import org.mos.scorer.TestBundles;
import org.mos.scorer.grpc.v1.Image;
import org.mos.scorer.grpc.v1.ScoreRequest;
import org.mos.scorer.grpc.v1.ScoreResponse;
import org.mos.scorer.grpc.v1.Scorer;
import org.mos.scorer.grpc.v1.Tensor;

/**
 * The hostile-input suite of the gRPC {@code Scorer} service: image and tensor bombs, truncated
 * files, bad parameters, traversal in model names, malformed and oversized protobuf messages. Each
 * case asserts the status code, a description naming the cause (and no Java class name), and that a
 * good request is still scored right after; on {@code ScoreStream} bad messages get per-message
 * errors and the stream goes on.
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
class HostileGrpcTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @GrpcClient("scorer")
  Scorer client;

  @GrpcClient("scorer")
  Channel channel;

  private static ScoreRequest.Builder flat(Image... images) {
    return ScoreRequest.newBuilder()
        .setRequestId("r")
        .setModel("flat")
        .addMethods("maxlogit")
        .addAllImages(List.of(images));
  }

  private static Image encoded(byte[] bytes) {
    return Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)).build();
  }

  private static Image tensor(List<Long> shape, float... data) {
    Tensor.Builder t = Tensor.newBuilder().addAllShape(shape);
    for (float v : data) {
      t.addData(v);
    }
    return Image.newBuilder().setTensor(t).build();
  }

  private static Arguments refused(
      String name, UnaryOperator<ScoreRequest.Builder> request, Status.Code code, String... named) {
    return Arguments.of(name, request, code, named);
  }

  static Stream<Arguments> cases() {
    byte[] png = TestBundles.png(1, 2, 3);
    Image red = encoded(Hostile.RED);
    var exhausted = Status.Code.RESOURCE_EXHAUSTED;
    var invalid = Status.Code.INVALID_ARGUMENT;
    return Stream.of(
        refused(
            "PNG bomb",
            b -> flat(encoded(ImageBombs.png(100_000, 100_000))),
            exhausted,
            "PNG",
            "max-image-pixels"),
        refused(
            "JPEG bomb",
            b -> flat(encoded(ImageBombs.jpeg(65_535, 65_535))),
            exhausted,
            "JPEG",
            "max-image-pixels"),
        refused(
            "GIF bomb",
            b -> flat(encoded(ImageBombs.gif(65_535, 65_535))),
            exhausted,
            "GIF",
            "max-image-pixels"),
        refused(
            "BMP bomb",
            b -> flat(encoded(ImageBombs.bmp(40_000, 40_000))),
            exhausted,
            "BMP",
            "max-image-pixels"),
        refused(
            "truncated PNG",
            b -> flat(encoded(Arrays.copyOf(png, png.length / 2))),
            invalid,
            "cannot decode"),
        refused(
            "tensor declaring 3 x 1e9 x 1e9",
            b -> flat(tensor(List.of(3L, 1_000_000_000L, 1_000_000_000L))),
            exhausted,
            "max-tensor-elements"),
        refused(
            "tensor declaring 3 x 2^62 x 2^62",
            b -> flat(tensor(List.of(3L, 1L << 62, 1L << 62))),
            exhausted,
            "max-tensor-elements"),
        refused(
            "tensor with negative shape",
            b -> flat(tensor(List.of(3L, -4L, -4L))),
            invalid,
            "shape"),
        refused(
            "tensor with fewer values than its shape",
            b -> flat(tensor(List.of(3L, 4L, 4L), 1, 2, 3)),
            invalid,
            "3 values"),
        refused(
            "tensor of the wrong size for the model",
            b -> flat(tensor(List.of(3L, 2L, 2L), new float[12])),
            invalid,
            "[3, 4, 4]"),
        refused(
            "tensor with NaN",
            b -> flat(tensor(List.of(3L, 4L, 4L), nanAt(48, 7))),
            invalid,
            "NaN"),
        refused(
            "more images than max-images",
            b -> flat().addAllImages(Collections.nCopies(5, red)),
            exhausted,
            "5 images",
            "max-images"),
        refused("no image", b -> flat(), invalid, "no image"),
        refused("image without content", b -> flat(Image.getDefaultInstance()), invalid, "neither"),
        refused("tpr NaN", b -> flat(red).setTpr(Double.NaN), invalid, "tpr"),
        refused("tpr 2", b -> flat(red).setTpr(2), invalid, "tpr"),
        refused("odin epsilon negative", b -> flat(red).setOdinEps(-1), invalid, "epsilon"),
        refused(
            "odin temperature infinite",
            b -> flat(red).setOdinTemperature(Double.POSITIVE_INFINITY),
            invalid,
            "temperature"),
        refused("top_k negative", b -> flat(red).setTopK(-3), invalid, "top_k", "-3"),
        refused("unknown method", b -> flat(red).addMethods("nosuch"), invalid, "'nosuch'"),
        refused("unknown include", b -> flat(red).addInclude("pixels"), invalid, "'pixels'"),
        refused(
            "traversal in the model name",
            b -> flat(red).setModel("../flat"),
            Status.Code.NOT_FOUND,
            "'../flat'"),
        refused(
            "a model whose bundle failed to load",
            b -> flat(red).setModel("broken"),
            Status.Code.UNAVAILABLE,
            "failed to load"));
  }

  private static float[] nanAt(int n, int at) {
    float[] v = new float[n];
    v[at] = Float.NaN;
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refusesWithAStatusNamingTheCauseAndKeepsServing(
      String name, UnaryOperator<ScoreRequest.Builder> request, Status.Code code, String[] named) {
    ScoreRequest bad = request.apply(null).build();
    assertThatThrownBy(() -> client.score(bad).await().atMost(WAIT))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription())
                  .contains(named)
                  .doesNotContain("Exception", "java.");
            });
    assertGrpcStillServes();
  }

  private void assertGrpcStillServes() {
    ScoreResponse ok = client.score(flat(encoded(Hostile.RED)).build()).await().atMost(WAIT);
    assertThat(ok.getImages(0).getScoresMap().get("maxlogit")).isCloseTo(1.5, within(1e-5));
  }

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> RAW_SCORE =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(
              MethodDescriptor.generateFullMethodName("mos.scorer.v1.Scorer", "Score"))
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();

  /** gRPC itself refuses a message it cannot parse, before the service sees it. */
  @Test
  void aMalformedProtobufMessageIsRefusedAndTheServiceKeepsServing() {
    // field 3 (images), length-delimited, declaring 2^28 bytes that never come
    byte[] garbage = {0x1A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01, 1, 2};
    assertThatThrownBy(
            () -> ClientCalls.blockingUnaryCall(channel, RAW_SCORE, CallOptions.DEFAULT, garbage))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getCode())
                    .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.INTERNAL, Status.Code.UNKNOWN));
    assertGrpcStillServes();
  }

  @Test
  void aMessageOverTheLimitIsResourceExhaustedAndTheServiceKeepsServing() {
    // the %test limit is 1 MiB for REST bodies and gRPC messages alike
    ScoreRequest big = flat(encoded(new byte[1_048_577])).build();
    assertThatThrownBy(() -> client.score(big).await().atMost(WAIT))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertGrpcStillServes();
  }

  @Test
  void aStreamAnswersEachBadMessageWithAnErrorAndServesTheNextOnes() {
    byte[] png = TestBundles.png(1, 2, 3);
    List<ScoreRequest> requests =
        List.of(
            flat(encoded(Hostile.RED)).setRequestId("good-1").build(),
            flat(encoded(ImageBombs.png(100_000, 100_000))).setRequestId("bomb").build(),
            flat(encoded(Arrays.copyOf(png, 30))).setRequestId("truncated").build(),
            flat(encoded(Hostile.RED)).setModel("../etc").setRequestId("traversal").build(),
            flat(tensor(List.of(3L, 1L << 40, 1L << 40))).setRequestId("tensor-bomb").build(),
            flat(encoded(Hostile.RED)).setTpr(Double.NaN).setRequestId("nan").build(),
            flat(encoded(Hostile.RED)).setModel("broken").setRequestId("broken").build(),
            flat(encoded(Hostile.RED)).setRequestId("good-2").build());
    List<ScoreResponse> answers =
        client
            .scoreStream(Multi.createFrom().iterable(requests))
            .collect()
            .asList()
            .await()
            .atMost(WAIT);
    assertThat(answers)
        .extracting(ScoreResponse::getRequestId)
        .containsExactly(
            "good-1", "bomb", "truncated", "traversal", "tensor-bomb", "nan", "broken", "good-2");
    assertThat(answers)
        .extracting(a -> a.getError().getStatus())
        .containsExactly(0, 413, 400, 404, 413, 400, 503, 0);
    assertThat(answers.get(1).getError().getDetail()).contains("max-image-pixels");
    assertThat(answers.get(4).getError().getDetail()).contains("max-tensor-elements");
    assertThat(answers.get(6).getError().getDetail()).contains("failed to load");
    assertThat(answers.get(7).getImages(0).getScoresMap().get("maxlogit"))
        .isCloseTo(1.5, within(1e-5));
  }
}
