package org.mos.trainer.rest;

import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.function.Consumer;
import org.jboss.resteasy.reactive.RestStreamElementType;
import org.mos.trainer.service.JobEvent;
import org.mos.trainer.service.JobService;
import org.mos.trainer.service.JobStatus;
import org.mos.trainer.train.TrainSpec;

/** Training jobs over HTTP: submit, look at, follow, cancel. */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

  @Inject JobService jobs;

  /** Queues a job; 202 with its status and a Location, 400 (problem+json) for a bad spec. */
  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  public Response submit(TrainSpec spec, @Context UriInfo uri) {
    JobStatus status = jobs.submit(spec);
    return Response.accepted(status)
        .location(uri.getAbsolutePathBuilder().path(status.id()).build())
        .build();
  }

  @GET
  public List<JobStatus> list() {
    return jobs.list();
  }

  @GET
  @Path("{id}")
  public JobStatus get(@PathParam("id") String id) {
    return jobs.get(id).orElseThrow(() -> new JobNotFoundException(id));
  }

  /** Cancels a queued job at once, a running one at its next step. */
  @DELETE
  @Path("{id}")
  public Response cancel(@PathParam("id") String id) {
    JobStatus status = jobs.cancel(id).orElseThrow(() -> new JobNotFoundException(id));
    return Response.accepted(status).build();
  }

  /**
   * Server-sent events of a job: its current state first, then state changes, logged steps,
   * checkpoints and progress lines; the stream ends when the job has finished.
   */
  @GET
  @Path("{id}/events")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  @RestStreamElementType(MediaType.APPLICATION_JSON)
  public Multi<JobEvent> events(@PathParam("id") String id) {
    jobs.get(id).orElseThrow(() -> new JobNotFoundException(id));
    return Multi.createFrom()
        .emitter(
            emitter -> {
              Consumer<JobEvent> subscriber =
                  event -> {
                    if (!id.equals(event.id())) {
                      return;
                    }
                    emitter.emit(event);
                    if ("state".equals(event.type()) && event.state().terminal()) {
                      emitter.complete();
                    }
                  };
              jobs.subscribe(subscriber);
              emitter.onTermination(() -> jobs.unsubscribe(subscriber));
              JobStatus now = jobs.get(id).orElseThrow();
              emitter.emit(
                  new JobEvent(
                      "state",
                      id,
                      now.state(),
                      now.step(),
                      now.totalSteps(),
                      now.loss(),
                      null,
                      null,
                      null,
                      null,
                      now.accuracy(),
                      now.error()));
              if (now.state().terminal()) {
                emitter.complete();
              }
            });
  }
}
