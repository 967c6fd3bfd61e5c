package org.mos.evaluator.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mos.scorer.grpc.v1.ListModelsRequest;
import org.mos.scorer.grpc.v1.ListModelsResponse;
import org.mos.scorer.grpc.v1.ModelInfo;
import org.mos.scorer.grpc.v1.ScorerGrpc;

/** {@code --token-file}: the gRPC transport sends the token the way the scorer expects it. */
class GrpcTransportTokenTest {

  private static final String TOKEN = "evaluator-test-token-0123456789";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** A scorer stand-in that serves model "m" to callers with the token, as the real one does. */
  private static final class Guarded implements ScorerGrpc.AsyncService {
    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
      out.onNext(
          ListModelsResponse.newBuilder()
              .addModels(ModelInfo.newBuilder().setName("m").setChecksum("c").addMethods("msp"))
              .build());
      out.onCompleted();
    }
  }

  private final List<String> seen = new CopyOnWriteArrayList<>();
  private Server server;

  @BeforeEach
  void start() throws Exception {
    ServerInterceptor guard =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String value = headers.get(AUTHORIZATION);
            seen.add(String.valueOf(value));
            if (!("Bearer " + TOKEN).equals(value)) {
              call.close(Status.UNAUTHENTICATED.withDescription("no entry"), new Metadata());
              return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
          }
        };
    server =
        ServerBuilder.forPort(0)
            .addService(ServerInterceptors.intercept(ScorerGrpc.bindService(new Guarded()), guard))
            .build()
            .start();
  }

  @AfterEach
  void stop() {
    server.shutdownNow();
  }

  private GrpcTransport.Settings settings() {
    return GrpcTransport.Settings.of("127.0.0.1:" + server.getPort(), "m");
  }

  @Test
  void sendsTheTokenAsABearerAuthorizationHeader() {
    try (GrpcTransport t = GrpcTransport.connect(settings().withToken(TOKEN))) {
      assertThat(t.modelChecksum()).isEqualTo("c");
    }
    assertThat(seen).containsExactly("Bearer " + TOKEN);
  }

  @Test
  void withoutATokenTheRefusalSaysToGiveTokenFile() {
    assertThatThrownBy(() -> GrpcTransport.connect(settings()))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("UNAUTHENTICATED: no entry")
        .hasMessageContaining("the scorer needs a bearer token: give --token-file FILE");
    assertThat(seen).containsExactly("null");
  }

  @Test
  void aWrongTokenIsReportedAsRefused() {
    assertThatThrownBy(() -> GrpcTransport.connect(settings().withToken(TOKEN + "x")))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("the scorer refused the token of --token-file");
  }
}
