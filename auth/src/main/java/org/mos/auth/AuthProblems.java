package org.mos.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.mos.common.auth.BearerTokens;

/**
 * Answers refused authentication with 401, a {@code WWW-Authenticate: Bearer} challenge and a
 * problem document like every other REST error (Quarkus' own answer has no body): for a caller
 * without a token through {@link BearerTokenMechanism#sendChallenge}, for a refused token through
 * this route failure handler (authentication happens before any REST resource is chosen, so no
 * exception mapper sees it).
 */
@ApplicationScoped
public class AuthProblems {

  /** The {@code WWW-Authenticate} challenge. */
  static final String CHALLENGE = "Bearer realm=\"mos\"";

  void register(@Observes Router router) {
    router
        .route()
        .order(Integer.MIN_VALUE)
        .failureHandler(
            ctx -> {
              Throwable f = ctx.failure();
              if (!(f instanceof AuthenticationFailedException)
                  && !(f instanceof UnauthorizedException)) {
                ctx.next();
                return;
              }
              write(ctx);
            });
  }

  /** Ends {@code ctx} with the 401 problem (nothing when the response has already ended). */
  static void write(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return;
    }
    boolean presented =
        BearerTokens.fromAuthorization(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))
            .isPresent();
    String detail =
        presented
            ? "the bearer token is not accepted: send one of the service's tokens"
                + " (mos.auth.token-file) as Authorization: Bearer TOKEN"
            : "this service needs a bearer token: send Authorization: Bearer TOKEN"
                + " (clients: mos evaluate --token-file FILE); /q/health and /q/metrics are open";
    JsonObject body =
        new JsonObject()
            .put("type", "about:blank")
            .put("title", "Unauthorized")
            .put("status", 401)
            .put("detail", detail);
    ctx.response()
        .setStatusCode(401)
        .putHeader("WWW-Authenticate", CHALLENGE)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
        .end(body.encode());
  }
}
