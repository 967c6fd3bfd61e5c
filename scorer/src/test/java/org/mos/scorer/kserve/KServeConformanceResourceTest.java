package org.mos.scorer.kserve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.mos.scorer.TestBundles;

/**
 * The Open Inference Protocol, checked by a client the project did not write: {@code
 * src/test/python/kserve_conformance.py} generates Python stubs from KServe's own {@code
 * grpc_predict_v2.proto} (the contract module's copy) with Debian's python3-grpc-tools, calls every
 * gRPC method, and sends the protocol's REST requests over plain HTTP, against this test server.
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
class KServeConformanceResourceTest {

  @TestHTTPResource("/")
  URL http;

  private static String python() {
    // Debian's interpreter has python3-grpcio and python3-grpc-tools; another python3 on PATH
    // may not
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  @Test
  void aClientGeneratedFromTheOfficialProtoPassesEveryGrpcAndRestCheck()
      throws IOException, InterruptedException {
    int grpcPort =
        ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
    Path out = Path.of("target/kserve-python");
    Files.createDirectories(out);
    Process p =
        new ProcessBuilder(
                List.of(
                    python(),
                    "src/test/python/kserve_conformance.py",
                    "--proto",
                    "../contract/src/main/proto/grpc_predict_v2.proto",
                    "--out",
                    out.toString(),
                    "--grpc-port",
                    String.valueOf(grpcPort),
                    "--http-url",
                    http.toString()))
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    assertThat(output).as(output).doesNotContain("FAIL ").contains(" 0 failed");
    assertThat(exit).as(output).isZero();
    // every gRPC method of the service, and both REST forms of tensor data, were exercised
    assertThat(output)
        .contains("PASS grpc ServerLive")
        .contains("PASS grpc ServerReady")
        .contains("PASS grpc ServerMetadata")
        .contains("PASS grpc ModelMetadata")
        .contains("PASS grpc ModelReady")
        .contains("PASS grpc ModelInfer raw_input_contents")
        .contains("PASS rest binary tensor data extension")
        .contains("PASS rest BYTES base64 image in JSON");
  }
}
