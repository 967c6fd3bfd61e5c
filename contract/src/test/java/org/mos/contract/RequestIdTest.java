package org.mos.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RequestIdTest {

  @Test
  void requestIdsCarryRunAndSeq() {
    assertThat(RequestId.of("run-7", 42)).isEqualTo("run-7/42");
    assertThat(RequestId.runOf("run-7/42")).isEqualTo("run-7");
    assertThat(RequestId.seqOf("run-7/42")).isEqualTo(42);
  }

  @Test
  void theRunIdIsEverythingBeforeTheLastSlash() {
    assertThat(RequestId.runOf("a-b/c/3")).isEqualTo("a-b/c");
    assertThat(RequestId.seqOf("a-b/c/3")).isEqualTo(3);
  }

  @Test
  void idsWithoutRunOrNumberHaveNeither() {
    assertThat(RequestId.runOf("")).isNull();
    assertThat(RequestId.runOf("/5")).isNull();
    assertThat(RequestId.seqOf("/5")).isEqualTo(-1);
    assertThat(RequestId.seqOf("run-7/x")).isEqualTo(-1);
    assertThat(RequestId.seqOf("run-7")).isEqualTo(-1);
  }

  @Test
  void aRunIdWithASlashIsRefused() {
    assertThatThrownBy(() -> RequestId.of("a/b", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("run id 'a/b' must not contain '/'");
  }
}
