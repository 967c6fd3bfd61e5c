package org.mos.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * A bearer token to check against the static tokens. A type of its own, so that OIDC's identity
 * provider (which takes {@code TokenAuthenticationRequest}) and ours never see each other's
 * requests.
 */
public final class StaticTokenRequest extends BaseAuthenticationRequest {

  private final String token;

  public StaticTokenRequest(String token) {
    this.token = token;
  }

  String token() {
    return token;
  }
}
