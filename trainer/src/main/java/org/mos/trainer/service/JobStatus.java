package org.mos.trainer.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.mos.trainer.train.TrainSpec;

/**
 * A training job as the API shows it and as it is persisted under the work folder.
 *
 * @param step steps done
 * @param totalSteps steps of the schedule, once known
 * @param loss training loss of the last logged step
 * @param accuracy validation top-1 of the last validation (group rule in group mode)
 * @param checkpoints the steps at which {@code checkpoint} was written
 * @param checkpoint the latest checkpoint file
 * @param error why the job failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStatus(
    String id,
    JobState state,
    TrainSpec spec,
    int step,
    Integer totalSteps,
    Double loss,
    Double accuracy,
    List<Integer> checkpoints,
    String checkpoint,
    String error,
    String created,
    String updated) {

  public JobStatus {
    checkpoints = checkpoints == null ? List.of() : List.copyOf(checkpoints);
  }
}
