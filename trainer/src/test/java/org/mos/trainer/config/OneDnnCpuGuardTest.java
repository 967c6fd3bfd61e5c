package org.mos.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OneDnnCpuGuardTest {

  @Test
  void limitsOneDnnToAvxOnLinuxWhenTheCpuReportsNoCachesAndTheUserChoseNothing() {
    assertThat(OneDnnCpuGuard.decide("Linux", null, null, false)).contains("AVX");
  }

  @Test
  void leavesOneDnnAloneWhenTheCachesAreKnown() {
    assertThat(OneDnnCpuGuard.decide("Linux", null, null, true)).isEmpty();
  }

  @Test
  void keepsTheUsersChoiceInEitherSpelling() {
    assertThat(OneDnnCpuGuard.decide("Linux", "AVX2", null, false)).isEmpty();
    assertThat(OneDnnCpuGuard.decide("Linux", null, "AVX512_CORE", false)).isEmpty();
  }

  @Test
  void doesNothingOutsideLinux() {
    assertThat(OneDnnCpuGuard.decide("Mac OS X", null, null, false)).isEmpty();
  }
}
