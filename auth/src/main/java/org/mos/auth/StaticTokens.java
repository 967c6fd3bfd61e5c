package org.mos.auth;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.mos.common.auth.BearerTokens;

/**
 * The accepted static bearer tokens, read once at start from {@code mos.auth.tokens} and {@code
 * mos.auth.token-file}. With authentication on and neither tokens nor OIDC, the service refuses to
 * start rather than refuse every call.
 */
@Startup
@ApplicationScoped
public class StaticTokens {

  private static final Logger LOG = Logger.getLogger(StaticTokens.class);

  private final boolean enabled;
  private final boolean oidc;
  private final BearerTokens tokens;

  public StaticTokens(
      AuthConfig config,
      @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc) {
    this.enabled = config.enabled();
    this.oidc = oidc;
    List<String> all = new ArrayList<>(config.tokens().orElse(List.of()));
    if (enabled) {
      // the file's tokens are checked as it is read, naming the file and line
      config.tokenFile().ifPresent(f -> all.addAll(BearerTokens.readFile(f)));
    }
    this.tokens = BearerTokens.of(all, "mos.auth.tokens");
    if (enabled && tokens.isEmpty() && !oidc) {
      throw new IllegalStateException(
          "mos.auth.enabled is true but no token is accepted: set mos.auth.token-file"
              + " (SCORER_AUTH_TOKEN_FILE) or mos.auth.tokens, or enable OIDC with"
              + " quarkus.oidc.tenant-enabled=true and quarkus.oidc.auth-server-url");
    }
    if (enabled) {
      LOG.infof(
          "authentication on: %d static bearer token(s)%s; /q/health and /q/metrics stay open",
          tokens.size(), oidc ? " and OIDC bearer tokens (HTTP)" : "");
    }
  }

  /** Whether calls must be authenticated. */
  public boolean enabled() {
    return enabled;
  }

  /** Whether OIDC bearer tokens are accepted too (HTTP). */
  public boolean oidc() {
    return oidc;
  }

  /** Whether {@code token} is one of the static tokens (constant time). */
  public boolean accepts(String token) {
    return tokens.accepts(token);
  }
}
