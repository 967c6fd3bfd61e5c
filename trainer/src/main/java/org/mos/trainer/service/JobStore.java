package org.mos.trainer.service;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.mos.common.io.AtomicFiles;

/**
 * The job queue's state on disk: {@code WORK/jobs/ID/job.json} per job (written to a temporary file
 * and moved into place), and {@code WORK/jobs/ID/out/} the job's default output folder.
 */
public final class JobStore {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path jobs;

  public JobStore(Path workDir) {
    this.jobs = workDir.resolve("jobs");
    try {
      Files.createDirectories(jobs);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the work folder " + jobs, e);
    }
  }

  /** The folder of job {@code id}. */
  public Path dir(String id) {
    return jobs.resolve(id);
  }

  /** Whether the store's folder exists and can be written. */
  public boolean writable() {
    return Files.isDirectory(jobs) && Files.isWritable(jobs);
  }

  /** Writes a job's state atomically. */
  public void save(JobStatus status) {
    try {
      AtomicFiles.write(dir(status.id()).resolve("job.json"), out -> JSON.writeValue(out, status));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save job " + status.id() + " under " + jobs, e);
    }
  }

  /** Every saved job, oldest first. */
  public List<JobStatus> loadAll() {
    List<JobStatus> all = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(jobs)) {
      for (Path dir : dirs.sorted().toList()) {
        Path file = dir.resolve("job.json");
        if (Files.isRegularFile(file)) {
          all.add(JSON.readValue(file.toFile(), JobStatus.class));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the jobs under " + jobs, e);
    }
    all.sort(Comparator.comparing(JobStatus::created).thenComparing(JobStatus::id));
    return all;
  }
}
