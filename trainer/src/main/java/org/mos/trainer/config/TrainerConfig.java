package org.mos.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.List;

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

  /**
   * Folders the job service may read and write (comma-separated; relative ones against the folder
   * the service runs in). Every path of a submitted job (train, trainRoot, val, valRoot, weights, a
   * groups file, out, and every image a list file or image folder names) must lie inside one of
   * them or the work folder after symbolic links are resolved, and have no {@code ..} segment;
   * anything else is refused with 400. Default: the folder the service was started in.
   */
  @WithDefault(".")
  List<Path> jobRoots();
}
