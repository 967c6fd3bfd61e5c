package org.mos.trainer.service;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One server-sent event about a job: {@code state} (it changed), {@code step} (a logged step with
 * loss, lr, speed, ETA and validation when it ran), {@code checkpoint} or {@code log} (a progress
 * line).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
    String type,
    String id,
    JobState state,
    Integer step,
    Integer totalSteps,
    Double loss,
    Double lr,
    Double imagesPerSecond,
    Long etaSeconds,
    Double valLoss,
    Double valTop1,
    String message) {

  static JobEvent state(JobStatus s) {
    return new JobEvent(
        "state",
        s.id(),
        s.state(),
        s.step(),
        s.totalSteps(),
        null,
        null,
        null,
        null,
        null,
        null,
        s.error());
  }

  static JobEvent log(String id, String line) {
    return new JobEvent("log", id, null, null, null, null, null, null, null, null, null, line);
  }
}
