package org.mos.scorer.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.mos.scorer.service.ScoringProblem;

class AdmissionTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Admission admission = new Admission(100, Duration.ofMillis(1500), meters);

  @Test
  void admitsWorkUpToTheBudgetAndRefusesMoreWithA503AndRetryAfter() {
    Admission.Permit a = admission.tryAdmit(60, "first");
    Admission.Permit b = admission.tryAdmit(40, "second");
    assertThat(admission.inFlight()).isEqualTo(100);
    assertThatThrownBy(() -> admission.tryAdmit(1, "the request's 1 image"))
        .isInstanceOfSatisfying(
            ScoringProblem.class,
            p -> {
              assertThat(p.status()).isEqualTo(503);
              assertThat(p.busy()).isTrue();
              assertThat(p.retryAfterSeconds()).isEqualTo(2); // 1.5 s rounded up
              assertThat(p.getMessage())
                  .contains("scorer.limits.max-inflight-elements", "the request's 1 image");
            });
    assertThat(meters.get("mos.scorer.admission.refused").counter().count()).isEqualTo(1);
    assertThat(meters.get("mos.scorer.inflight.elements").gauge().value()).isEqualTo(100);
    a.close();
    a.close(); // a second close gives nothing back twice
    assertThat(admission.inFlight()).isEqualTo(40);
    admission.tryAdmit(60, "third").close();
    b.close();
    assertThat(admission.inFlight()).isZero();
  }

  @Test
  void workLargerThanTheWholeBudgetIsA413() {
    assertThatThrownBy(() -> admission.tryAdmit(101, "the request's 9 images"))
        .isInstanceOfSatisfying(
            ScoringProblem.class,
            p -> {
              assertThat(p.status()).isEqualTo(413);
              assertThat(p.busy()).isFalse();
              assertThat(p.getMessage()).contains("101 elements", "allows 100");
            });
    assertThat(admission.inFlight()).isZero();
  }

  @Test
  void aWaitingAdmissionGetsItsPermitOnceOthersRelease() throws Exception {
    Admission.Permit full = admission.tryAdmit(100, "first");
    CompletableFuture<Admission.Permit> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return admission.admit(30, "waiting", Duration.ofMinutes(5));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    full.close();
    Admission.Permit got = waiting.get();
    assertThat(got.elements()).isEqualTo(30);
    assertThat(admission.inFlight()).isEqualTo(30);
    got.close();
  }

  @Test
  void aWaitThatEndsBeforeRoomIsFreedIsA503() {
    try (Admission.Permit full = admission.tryAdmit(100, "first")) {
      assertThatThrownBy(() -> admission.admit(1, "late", Duration.ZERO))
          .isInstanceOfSatisfying(ScoringProblem.class, p -> assertThat(p.status()).isEqualTo(503));
      assertThat(full.elements()).isEqualTo(100);
    }
  }

  @Test
  void aNonPositiveConfiguredBudgetIsRefusedAtStartNamingTheKey() {
    assertThatThrownBy(() -> new Admission(-5, Duration.ofSeconds(1), meters))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scorer.limits.max-inflight-elements");
  }
}
