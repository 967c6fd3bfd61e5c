package org.mos.evaluator.transport;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where a scorer's gRPC server listens, from the {@code --scorer} option: {@code host:port}, {@code
 * grpc://host:port} or {@code http://host:port} (plaintext in all cases; port 9000 when omitted).
 *
 * @param host the host name or address
 * @param port the gRPC port
 */
public record ScorerAddress(String host, int port) {

  /** The scorer's default gRPC port. */
  public static final int DEFAULT_PORT = 9000;

  public ScorerAddress {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("the scorer address has no host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("the scorer port is " + port + "; expected 1..65535");
    }
  }

  /** Parses {@code host[:port]} or a {@code grpc://} / {@code http://} URL. */
  public static ScorerAddress parse(String text) {
    String s = text == null ? "" : text.strip();
    String url = s.contains("://") ? s : "grpc://" + s;
    try {
      URI uri = new URI(url);
      String scheme = uri.getScheme();
      if (!scheme.equals("grpc") && !scheme.equals("http")) {
        throw new IllegalArgumentException(
            "scorer '" + text + "' has scheme " + scheme + "; expected grpc://, http:// or none");
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException(
            "scorer '" + text + "' has no host; expected host:port, e.g. localhost:9000");
      }
      return new ScorerAddress(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "scorer '" + text + "' is not host:port or a URL (" + e.getMessage() + ")");
    }
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
