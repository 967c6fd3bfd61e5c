package org.mos.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.Set;
import org.mos.common.auth.BearerTokens;

/**
 * Reads {@code Authorization: Bearer TOKEN} and has it checked against the static tokens. With
 * authentication off, or without a bearer header, the caller stays anonymous (the {@code mos-auth}
 * policy then decides). A token that is not a static one fails authentication (401), unless OIDC is
 * on: then it is left to OIDC's mechanism.
 */
@ApplicationScoped
public class BearerTokenMechanism implements HttpAuthenticationMechanism {

  private final StaticTokens tokens;

  public BearerTokenMechanism(StaticTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Uni<SecurityIdentity> authenticate(
      RoutingContext context, IdentityProviderManager identityProviderManager) {
    if (!tokens.enabled()) {
      return Uni.createFrom().nullItem();
    }
    Optional<String> token =
        BearerTokens.fromAuthorization(context.request().getHeader(HttpHeaders.AUTHORIZATION));
    if (token.isEmpty()) {
      return Uni.createFrom().nullItem();
    }
    Uni<SecurityIdentity> identity =
        identityProviderManager.authenticate(new StaticTokenRequest(token.get()));
    return tokens.oidc()
        ? identity.onFailure(AuthenticationFailedException.class).recoverWithNull()
        : identity;
  }

  @Override
  public Uni<ChallengeData> getChallenge(RoutingContext context) {
    return Uni.createFrom()
        .item(new ChallengeData(401, "WWW-Authenticate", AuthProblems.CHALLENGE));
  }

  /** The 401 with a problem body (the default sends the challenge with an empty body). */
  @Override
  public Uni<Boolean> sendChallenge(RoutingContext context) {
    AuthProblems.write(context);
    return Uni.createFrom().item(true);
  }

  @Override
  public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
    return Set.of(StaticTokenRequest.class);
  }
}
