package org.mos.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import io.fabric8.openshift.api.model.monitoring.v1.RuleGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The monitoring component's dashboard and alerts: the dashboard is valid Grafana JSON whose panels
 * do not overlap, every query and alert names only series the scorer exports (the Micrometer names
 * in the scorer's sources, in Prometheus spelling), and every alert is complete.
 */
final class MonitoringChecks {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern SERIES = Pattern.compile("\\bmos_scorer_[a-z0-9_]+");
  private static final Pattern METER = Pattern.compile("\"(mos\\.scorer\\.[a-z0-9.]+)\"");
  private static final List<String> SUFFIXES =
      List.of("", "_total", "_count", "_sum", "_max", "_bucket");

  private MonitoringChecks() {}

  /** The series names the scorer can export: each meter name with Prometheus' suffixes. */
  static Set<String> exportedSeries(Path scorerSources) {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> files = Files.walk(scorerSources)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = METER.matcher(Files.readString(f));
        while (m.find()) {
          String base = m.group(1).replace('.', '_');
          for (String unit : List.of("", "_seconds")) {
            for (String suffix : SUFFIXES) {
              out.add(base + unit + suffix);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static List<String> check(Rendering r, Set<String> exported) {
    List<String> out = new ArrayList<>();
    for (ConfigMap map : r.all(ConfigMap.class)) {
      Map<String, String> labels =
          Objects.requireNonNullElse(map.getMetadata().getLabels(), Map.of());
      if ("1".equals(labels.get("grafana_dashboard"))) {
        map.getData()
            .forEach(
                (file, json) ->
                    dashboard(map.getMetadata().getName() + "/" + file, json, exported, out));
      }
    }
    for (PrometheusRule rule : r.all(PrometheusRule.class)) {
      for (RuleGroup group : rule.getSpec().getGroups()) {
        for (Rule alert : group.getRules()) {
          String where =
              "PrometheusRule " + rule.getMetadata().getName() + " alert " + alert.getAlert();
          if (alert.getAlert() == null || alert.getFor() == null) {
            out.add(where + " needs a name and a 'for' duration");
          }
          if (alert.getLabels() == null || !alert.getLabels().containsKey("severity")) {
            out.add(where + " has no severity label");
          }
          if (alert.getAnnotations() == null || !alert.getAnnotations().containsKey("summary")) {
            out.add(where + " has no summary annotation");
          }
          expression(
              where, alert.getExpr() == null ? "" : alert.getExpr().getStrVal(), exported, out);
        }
      }
    }
    return out;
  }

  private static void dashboard(String where, String json, Set<String> exported, List<String> out) {
    JsonNode d;
    try {
      d = JSON.readTree(json);
    } catch (IOException e) {
      out.add(where + " is not valid JSON: " + e.getMessage());
      return;
    }
    if (!d.hasNonNull("title")
        || !d.hasNonNull("uid")
        || !d.path("panels").isArray()
        || d.path("panels").isEmpty()) {
      out.add(where + " needs a title, a uid and panels");
      return;
    }
    Set<String> cells = new HashSet<>();
    for (JsonNode p : d.path("panels")) {
      String panel = where + " panel '" + p.path("title").asText() + "'";
      JsonNode g = p.path("gridPos");
      for (int x = g.path("x").asInt(); x < g.path("x").asInt() + g.path("w").asInt(); x++) {
        for (int y = g.path("y").asInt(); y < g.path("y").asInt() + g.path("h").asInt(); y++) {
          if (!cells.add(x + "," + y)) {
            out.add(panel + " overlaps another panel at grid cell " + x + "," + y);
            x = Integer.MAX_VALUE - 1;
            break;
          }
        }
      }
      if (g.path("w").asInt() <= 0
          || g.path("h").asInt() <= 0
          || g.path("x").asInt() + g.path("w").asInt() > 24) {
        out.add(panel + " has an invalid gridPos " + g);
      }
      if (!p.path("targets").isArray() || p.path("targets").isEmpty()) {
        out.add(panel + " has no query");
      }
      for (JsonNode t : p.path("targets")) {
        expression(panel, t.path("expr").asText(), exported, out);
      }
    }
  }

  private static void expression(
      String where, String expr, Set<String> exported, List<String> out) {
    if (expr.isBlank()) {
      out.add(where + " has an empty query");
      return;
    }
    if (!balanced(expr)) {
      out.add(where + " has unbalanced brackets or quotes: " + expr);
    }
    Matcher m = SERIES.matcher(expr);
    boolean any = false;
    while (m.find()) {
      any = true;
      if (!exported.contains(m.group())) {
        out.add(where + " queries " + m.group() + ", which the scorer does not export");
      }
    }
    if (!any) {
      out.add(where + " queries no mos_scorer_ series: " + expr);
    }
  }

  private static boolean balanced(String expr) {
    StringBuilder stack = new StringBuilder();
    boolean quoted = false;
    for (char c : expr.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted && "({[".indexOf(c) >= 0) {
        stack.append(c);
      } else if (!quoted && ")}]".indexOf(c) >= 0) {
        if (stack.isEmpty()
            || "({[".indexOf(stack.charAt(stack.length() - 1)) != ")}]".indexOf(c)) {
          return false;
        }
        stack.setLength(stack.length() - 1);
      }
    }
    return !quoted && stack.isEmpty();
  }
}
