package org.mos.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What an app module says about itself, read from its sources so that a change there breaks the
 * manifest tests: {@code application.properties} (ports, health and metrics paths, the Jib image
 * name) and the {@code cuda} profile of its {@code pom.xml} (the CUDA image's tag).
 */
record AppConfig(Path moduleDir, Properties properties, String version) {

  private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");

  static AppConfig load(Path root, String module, String version) {
    Path file = root.resolve(module).resolve("src/main/resources/application.properties");
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return new AppConfig(root.resolve(module), p, version);
  }

  /** A property with ${key} and ${key:default} expanded, or the default when it is not set. */
  String get(String key, String defaultValue) {
    String value = properties.getProperty(key);
    if (value == null) {
      return defaultValue;
    }
    Matcher m = EXPRESSION.matcher(value.trim());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String inner = get(m.group(1), m.group(2));
      if (inner == null) {
        throw new IllegalStateException(key + " = " + value + ": " + m.group(1) + " is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(inner));
    }
    m.appendTail(out);
    return out.toString();
  }

  int httpPort() {
    return Integer.parseInt(get("quarkus.http.port", "8080"));
  }

  int grpcPort() {
    return Integer.parseInt(get("quarkus.grpc.server.port", "9000"));
  }

  /** The ports the image declares (quarkus.jib.ports, Quarkus' default: the HTTP port). */
  List<Integer> imagePorts() {
    return Arrays.stream(get("quarkus.jib.ports", String.valueOf(httpPort())).split(","))
        .map(String::trim)
        .map(Integer::valueOf)
        .toList();
  }

  /** A SmallRye Health endpoint: "live", "ready" or "started", under Quarkus' defaults. */
  String healthPath(String check) {
    String key =
        switch (check) {
          case "live" -> "liveness-path";
          case "ready" -> "readiness-path";
          case "started" -> "startup-path";
          default -> throw new IllegalArgumentException("unknown health check " + check);
        };
    String nonApplicationRoot = get("quarkus.http.non-application-root-path", "q");
    String root = get("quarkus.smallrye-health.root-path", "health");
    String sub = get("quarkus.smallrye-health." + key, check);
    return "/" + strip(nonApplicationRoot) + "/" + strip(root) + "/" + strip(sub);
  }

  String metricsPath() {
    return get("quarkus.micrometer.export.prometheus.path", "/q/metrics");
  }

  /** group/name of the image Jib builds (with the registry in front when one is set). */
  String imageRepository() {
    String group = get("quarkus.container-image.group", null);
    String name = get("quarkus.container-image.name", null);
    if (group == null || name == null) {
      throw new IllegalStateException(
          moduleDir
              + ": quarkus.container-image.group and .name must be set (found "
              + group
              + ", "
              + name
              + ")");
    }
    String registry = get("quarkus.container-image.registry", null);
    return (registry == null ? "" : registry + "/") + group + "/" + name;
  }

  /** The tag of the CPU image: quarkus.container-image.tag, by default the project version. */
  String cpuTag() {
    return get("quarkus.container-image.tag", version);
  }

  /** The tag the pom's {@code cuda} profile gives the image. */
  String cudaTag() {
    Path pom = moduleDir.resolve("pom.xml");
    try {
      var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
      NodeList profiles = doc.getElementsByTagName("profile");
      for (int i = 0; i < profiles.getLength(); i++) {
        Element profile = (Element) profiles.item(i);
        if (text(profile, "id").equals("cuda")) {
          String tag = text(profile, "quarkus.container-image.tag");
          if (!tag.isEmpty()) {
            return tag.replace("${project.version}", version);
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + pom, e);
    }
    throw new IllegalStateException(
        pom + " has no cuda profile setting quarkus.container-image.tag");
  }

  private static String text(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
  }

  private static String strip(String path) {
    return path.replaceAll("^/+|/+$", "");
  }
}
