package org.mos.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticTokensTest {

  private static AuthConfig config(boolean enabled, List<String> tokens, Path file) {
    return new AuthConfig() {
      @Override
      public boolean enabled() {
        return enabled;
      }

      @Override
      public Optional<List<String>> tokens() {
        return Optional.ofNullable(tokens);
      }

      @Override
      public Optional<Path> tokenFile() {
        return Optional.ofNullable(file);
      }
    };
  }

  @Test
  void authOnWithoutTokensOrOidcRefusesToStart() {
    assertThatThrownBy(() -> new StaticTokens(config(true, null, null), false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("mos.auth.enabled is true but no token is accepted")
        .hasMessageContaining("mos.auth.token-file");
  }

  @Test
  void authOnWithOidcAloneStarts() {
    StaticTokens t = new StaticTokens(config(true, null, null), true);
    assertThat(t.enabled()).isTrue();
    assertThat(t.accepts("anything-at-all-0123456789")).isFalse();
  }

  @Test
  void authOffIgnoresAMissingTokenFile(@TempDir Path dir) {
    StaticTokens t = new StaticTokens(config(false, null, dir.resolve("absent")), false);
    assertThat(t.enabled()).isFalse();
  }

  @Test
  void authOnReadsTheTokenFileAndNamesItWhenBad(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "secret-from-the-file-123\n");
    StaticTokens t = new StaticTokens(config(true, List.of("secret-from-config-456"), file), false);
    assertThat(t.accepts("secret-from-the-file-123")).isTrue();
    assertThat(t.accepts("secret-from-config-456")).isTrue();
    assertThat(t.accepts("secret-from-the-file-124")).isFalse();
    assertThatThrownBy(() -> new StaticTokens(config(true, null, dir.resolve("absent")), false))
        .hasMessageContaining("cannot read the token file " + dir.resolve("absent"));
  }
}
