package org.mos.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Authentication of the scorer and the trainer's job service ({@code mos.auth.*}; docs/scorer.md
 * and docs/trainer.md, "Authentication"). Off by default (local use). On, every HTTP path except
 * health ({@code /q/health*}) and metrics ({@code /q/metrics*}), and every scorer gRPC call except
 * the gRPC health service, need {@code Authorization: Bearer TOKEN} with one of the static tokens
 * below or, where OIDC is enabled ({@code quarkus.oidc.tenant-enabled=true}; HTTP only), a token
 * the OIDC provider issued.
 */
@ConfigMapping(prefix = "mos.auth")
public interface AuthConfig {

  /** Whether calls must carry a bearer token. */
  @WithDefault("false")
  boolean enabled();

  /**
   * Static tokens accepted (comma-separated; each at least 16 visible ASCII characters). Prefer
   * {@link #tokenFile()}: a value here shows in the process's environment or command line.
   */
  Optional<List<String>> tokens();

  /**
   * A file of accepted tokens, one per line ({@code #} comments and blank lines skipped): the key
   * of a Kubernetes Secret mounted as a file. Read at start; restart (roll the pods) to rotate.
   */
  Optional<Path> tokenFile();
}
