package org.mos.scorer.rest;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.mos.scorer.limits.ScorerLimits;
import org.mos.scorer.service.ScoringProblem;

/**
 * The URL and body limits at the HTTP layer, before any route reads the body: a URL longer than
 * {@code scorer.limits.max-url-length} gets 414 and a declared {@code Content-Length} over {@code
 * scorer.limits.max-body-bytes} gets 413, both as problem documents. (Quarkus' own body-size check,
 * which this one runs before, would answer an empty 413; it still cuts chunked bodies that grow
 * past the limit, and the HTTP codec answers an empty 414 to request lines over {@code
 * quarkus.http.limits.max-initial-line-length}.) Failures that reach the HTTP layer unmapped become
 * problem documents too: a 500 carries only a logged error id.
 */
@ApplicationScoped
public class HttpLimits {

  // before Quarkus' max-body-size handler, which runs at order -2
  private static final int ORDER = -3;

  void install(@Observes Router router, ScorerLimits limits) {
    int maxUrl = limits.maxUrlLength();
    long maxBody = limits.maxBodyBytes();
    router.route().order(ORDER).handler(ctx -> check(ctx, maxUrl, maxBody));
    // failures outside the REST layer's mappers (Quarkus' own error page would show the
    // exception's class, and in dev and test mode its stack trace)
    router.route().order(ORDER).failureHandler(ctx -> failed(ctx, maxBody));
  }

  private static void failed(RoutingContext ctx, long maxBody) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    int status = ctx.statusCode();
    if (ctx.failure() != null && !(ctx.failure() instanceof ScoringProblem) && status < 400) {
      status = 500;
    }
    if (status == 413) {
      refuse(
          ctx,
          413,
          "Request too large",
          "the body is over " + maxBody + " bytes (scorer.limits.max-body-bytes)");
    } else if (status >= 400 && status < 500) {
      refuse(
          ctx,
          status,
          HttpResponseStatus.valueOf(status).reasonPhrase(),
          "refused by the HTTP layer");
    } else {
      ScoringProblem p =
          ctx.failure() instanceof ScoringProblem known
              ? known
              : ScoringProblem.internal(
                  ctx.failure() == null
                      ? new IllegalStateException("status " + status)
                      : ctx.failure(),
                  "in the HTTP layer");
      refuse(ctx, p.status(), p.title(), p.getMessage());
    }
  }

  private static void check(RoutingContext ctx, int maxUrl, long maxBody) {
    String uri = ctx.request().uri();
    if (uri.length() > maxUrl) {
      refuse(
          ctx,
          414,
          "URI too long",
          "the request URL has "
              + uri.length()
              + " characters; at most "
              + maxUrl
              + " are allowed (scorer.limits.max-url-length)");
      return;
    }
    String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      long declared;
      try {
        declared = Long.parseLong(length.strip());
      } catch (NumberFormatException e) {
        refuse(
            ctx,
            400,
            "Bad request",
            "Content-Length " + ScoringProblem.echo(length) + " is not a number");
        return;
      }
      if (declared > maxBody) {
        refuse(
            ctx,
            413,
            "Request too large",
            "the body has "
                + declared
                + " bytes; at most "
                + maxBody
                + " are allowed (scorer.limits.max-body-bytes)");
        return;
      }
    }
    ctx.next();
  }

  private static void refuse(RoutingContext ctx, int status, String title, String detail) {
    // the unread body is not drained: close the connection after the answer
    ctx.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, ProblemMapper.PROBLEM_JSON)
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(new JsonObject(ProblemMapper.body(status, title, detail)).encode());
  }
}
