package org.mos.auth;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The {@code mos-auth} HTTP policy ({@code quarkus.http.auth.permission.*} in
 * application.properties): permits everyone while {@code mos.auth.enabled} is false, else only
 * authenticated callers. A policy of ours rather than Quarkus' {@code authenticated}, so that the
 * switch is a runtime setting of ours.
 */
@ApplicationScoped
public class AuthPolicy implements HttpSecurityPolicy {

  private final StaticTokens tokens;

  public AuthPolicy(StaticTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Uni<CheckResult> checkPermission(
      RoutingContext request,
      Uni<SecurityIdentity> identity,
      AuthorizationRequestContext requestContext) {
    if (!tokens.enabled()) {
      return CheckResult.permit();
    }
    return identity.map(id -> id.isAnonymous() ? CheckResult.DENY : CheckResult.PERMIT);
  }

  @Override
  public String name() {
    return "mos-auth";
  }
}
