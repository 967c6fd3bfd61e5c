package org.mos.scorer.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.mos.auth.StaticTokens;
import org.mos.common.auth.BearerTokens;

/**
 * Authentication of every gRPC service of the scorer (the gRPC server is a separate server, so
 * Quarkus' HTTP security does not reach it): with {@code mos.auth.enabled}, a call needs the
 * metadata {@code authorization: Bearer TOKEN} with a static token (the same {@link StaticTokens}
 * as HTTP), else it ends at once with {@code UNAUTHENTICATED}. OIDC tokens are not checked here:
 * that would need an asynchronous identity check before the call starts. The standard gRPC health
 * service stays open.
 */
@GlobalInterceptor
@ApplicationScoped
public class GrpcAuthInterceptor implements ServerInterceptor {

  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String HEALTH_SERVICE = "grpc.health.v1.Health";

  private final StaticTokens tokens;

  public GrpcAuthInterceptor(StaticTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!tokens.enabled() || HEALTH_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Optional<String> token = BearerTokens.fromAuthorization(headers.get(AUTHORIZATION));
    if (token.isPresent() && tokens.accepts(token.get())) {
      return next.startCall(call, headers);
    }
    String detail =
        token.isEmpty()
            ? "this scorer needs a bearer token: send the metadata 'authorization: Bearer TOKEN'"
                + " (mos evaluate --token-file FILE)"
            : "the bearer token is not accepted: send one of the scorer's tokens"
                + " (mos.auth.token-file)";
    call.close(Status.UNAUTHENTICATED.withDescription(detail), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
