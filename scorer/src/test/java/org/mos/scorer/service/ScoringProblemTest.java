package org.mos.scorer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScoringProblemTest {

  @Test
  void detailsLoseJavaClassNamesButKeepOptionNames() {
    assertThat(ScoringProblem.clean("cannot decode x: java.io.EOFException: Unexpected end"))
        .isEqualTo("cannot decode x: Unexpected end");
    assertThat(ScoringProblem.clean("IIOException: Unsupported Image Type"))
        .isEqualTo("Unsupported Image Type");
    assertThat(ScoringProblem.clean("in org.mos.common.image.ImageDecoder here"))
        .isEqualTo("in ImageDecoder here");
    assertThat(ScoringProblem.clean("parameter 'odin.T' is 'x' (scorer.limits.max-images)"))
        .isEqualTo("parameter 'odin.T' is 'x' (scorer.limits.max-images)");
    assertThat(ScoringProblem.clean("line\nbreak\u001b")).isEqualTo("line?break?");
    assertThat(ScoringProblem.clean(null)).isEqualTo("no detail");
    assertThat(ScoringProblem.clean("NullPointerException")).isEqualTo("no detail");
  }

  @Test
  void echoedValuesAreQuotedShortenedAndFreeOfControlCharacters() {
    assertThat(ScoringProblem.echo("a\tb")).isEqualTo("'a?b'");
    assertThat(ScoringProblem.echo("x".repeat(150))).isEqualTo("'" + "x".repeat(100) + "...'");
    assertThat(ScoringProblem.echo(null)).isEqualTo("null");
  }

  @Test
  void anInternalFailureAnswersOnlyAnErrorId() {
    ScoringProblem p =
        ScoringProblem.internal(new IllegalStateException("secret path /etc/x"), "in a test");
    assertThat(p.status()).isEqualTo(500);
    assertThat(p.getMessage())
        .containsPattern("error id [0-9a-f-]{36} ")
        .doesNotContain("secret", "IllegalState");
  }

  @Test
  void busyProblemsCarryRetryAfterAndOthersDoNot() {
    assertThat(ScoringProblem.busy("full", 0).retryAfterSeconds()).isEqualTo(1);
    assertThat(ScoringProblem.busy("full", 3).busy()).isTrue();
    assertThat(ScoringProblem.unavailable("x").busy()).isFalse();
  }

  @Test
  void queryNumbersAreParsedStrictlyNamingTheParameter() {
    assertThat(QueryOptions.finite("tpr", "0.5", "a number")).isEqualTo(0.5);
    assertThat(QueryOptions.finite("tpr", "1e-3", "a number")).isEqualTo(0.001);
    assertThat(QueryOptions.finite("tpr", null, "a number")).isNull();
    assertThat(QueryOptions.integer("top_k", "7", 0, 10)).isEqualTo(7);
    for (String bad : new String[] {"NaN", "-Infinity", "1d", "0x1p-1", "", "1e400", "1,5"}) {
      assertThatThrownBy(() -> QueryOptions.finite("odin.eps", bad, "a number"))
          .isInstanceOfSatisfying(ScoringProblem.class, p -> assertThat(p.status()).isEqualTo(400))
          .hasMessageContaining("parameter 'odin.eps'");
    }
    assertThatThrownBy(() -> QueryOptions.integer("top_k", "11", 0, 10))
        .hasMessage("parameter 'top_k' is '11'; expected an integer from 0 to 10");
  }
}
