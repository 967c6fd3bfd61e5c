package org.mos.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Turns a static bearer token into an identity ({@code bearer-token}), or fails. */
@ApplicationScoped
public class StaticTokenIdentityProvider implements IdentityProvider<StaticTokenRequest> {

  /** The principal of every caller with a static token (the tokens are not per user). */
  public static final String PRINCIPAL = "bearer-token";

  private final StaticTokens tokens;

  public StaticTokenIdentityProvider(StaticTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Class<StaticTokenRequest> getRequestType() {
    return StaticTokenRequest.class;
  }

  @Override
  public Uni<SecurityIdentity> authenticate(
      StaticTokenRequest request, AuthenticationRequestContext context) {
    if (!tokens.accepts(request.token())) {
      return Uni.createFrom()
          .failure(new AuthenticationFailedException("the bearer token is not accepted"));
    }
    return Uni.createFrom()
        .item(
            QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(PRINCIPAL))
                .build());
  }
}
