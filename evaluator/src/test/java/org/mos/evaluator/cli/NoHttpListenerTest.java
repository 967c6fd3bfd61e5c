package org.mos.evaluator.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.junit.QuarkusTest;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The evaluator is a command-line job and must not open an HTTP listener: the gRPC extension brings
 * Vert.x HTTP, whose port (8080 outside tests) is often a running scorer's, and binding it made
 * every {@code mos evaluate} and {@code mos fit} fail to start.
 */
@QuarkusTest
class NoHttpListenerTest {

  @Test
  void theStartedApplicationListensOnNoHttpPort() {
    int port =
        ConfigProvider.getConfig()
            .getOptionalValue("quarkus.http.test-port", Integer.class)
            .orElse(8081);
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }
}
