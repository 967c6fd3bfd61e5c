package org.mos.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BearerTokensTest {

  private static final String A = "alpha-token-0123456789";
  private static final String B = "bravo-token-9876543210";

  @Test
  void acceptsExactlyTheConfiguredTokens() {
    BearerTokens tokens = BearerTokens.of(List.of(A, B), "test");
    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.accepts(A)).isTrue();
    assertThat(tokens.accepts(B)).isTrue();
    assertThat(tokens.accepts(A + "x")).isFalse();
    assertThat(tokens.accepts(A.substring(1))).isFalse();
    assertThat(tokens.accepts(A.toUpperCase())).isFalse();
    assertThat(tokens.accepts("")).isFalse();
    assertThat(tokens.accepts(null)).isFalse();
  }

  @Test
  void noTokensAcceptNothing() {
    BearerTokens none = BearerTokens.of(List.of(), "test");
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.accepts(A)).isFalse();
  }

  @Test
  void shortOrNonAsciiTokensAreRefusedNamingTheSource() {
    assertThatThrownBy(() -> BearerTokens.of(List.of("short"), "scorer.auth.tokens"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scorer.auth.tokens (token 1)")
        .hasMessageContaining("at least 16 characters, this one has 5");
    assertThatThrownBy(() -> BearerTokens.of(List.of(A, "has a space inside it"), "cfg"))
        .hasMessageContaining("cfg (token 2)")
        .hasMessageContaining("character 4 is not");
  }

  @Test
  void parsesTheBearerSchemeCaseInsensitively() {
    assertThat(BearerTokens.fromAuthorization("Bearer " + A)).contains(A);
    assertThat(BearerTokens.fromAuthorization("bearer   " + A + " ")).contains(A);
    assertThat(BearerTokens.fromAuthorization("Basic dXNlcjpwYXNz")).isEmpty();
    assertThat(BearerTokens.fromAuthorization("Bearer ")).isEmpty();
    assertThat(BearerTokens.fromAuthorization("Bearer")).isEmpty();
    assertThat(BearerTokens.fromAuthorization(null)).isEmpty();
    assertThat(BearerTokens.authorization(A)).isEqualTo("Bearer " + A);
  }

  @Test
  void readsTokenFilesSkippingCommentsAndBlankLines(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "# rotated 2026-12\n\n" + A + "\n  " + B + "  \n");
    assertThat(BearerTokens.readFile(file)).containsExactly(A, B);
    assertThat(BearerTokens.readClientToken(file)).isEqualTo(A);
  }

  @Test
  void badTokenFilesNameTheFileAndLine(@TempDir Path dir) throws Exception {
    Path empty = dir.resolve("empty");
    Files.writeString(empty, "# nothing\n\n");
    assertThatThrownBy(() -> BearerTokens.readFile(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the token file " + empty + " holds no token");
    Path weak = dir.resolve("weak");
    Files.writeString(weak, A + "\nweak\n");
    assertThatThrownBy(() -> BearerTokens.readFile(weak))
        .hasMessageContaining("the token file " + weak + " (line 2)");
    assertThatThrownBy(() -> BearerTokens.readFile(dir.resolve("missing")))
        .hasMessageContaining("cannot read the token file " + dir.resolve("missing"));
  }
}
