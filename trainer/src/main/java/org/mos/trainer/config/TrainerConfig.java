package org.mos.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;

/** Configuration of the trainer service ({@code trainer.*}). */
@ConfigMapping(prefix = "trainer")
public interface TrainerConfig {

  /**
   * Folder of the job queue: {@code jobs/ID/job.json} (state) and {@code jobs/ID/out/} (a job's
   * checkpoints and metrics unless its spec names another folder). Jobs left unfinished here resume
   * when the service starts again.
   */
  @WithDefault("trainer-work")
  Path workDir();
}
