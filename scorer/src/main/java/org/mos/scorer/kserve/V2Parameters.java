package org.mos.scorer.kserve;

import java.util.Map;
import org.mos.scorer.service.ScoringProblem;

/**
 * The {@code parameters} of a request, an input or a requested output: values are {@link Boolean},
 * {@link Long}, {@link Double} or {@link String} (gRPC's InferParameter has no floating-point kind,
 * so numbers may come as strings there). Unknown parameters are ignored, as the protocol's
 * extensions require; known ones of the wrong type are refused.
 *
 * @param values the parameters by name
 * @param where what they belong to, for error messages ("the request", "input 'input'")
 */
public record V2Parameters(Map<String, Object> values, String where) {

  public V2Parameters {
    values = Map.copyOf(values);
  }

  /** No parameters. */
  public static V2Parameters none(String where) {
    return new V2Parameters(Map.of(), where);
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  /** A string parameter, or null when absent. */
  public String string(String name) {
    Object v = values.get(name);
    if (v == null || v instanceof String) {
      return (String) v;
    }
    throw wrongType(name, v, "a string");
  }

  /** A boolean parameter, or {@code otherwise} when absent. */
  public boolean bool(String name, boolean otherwise) {
    Object v = values.get(name);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw wrongType(name, v, "a boolean");
  }

  /** A non-negative integer parameter, or null when absent. */
  public Long count(String name) {
    Object v = values.get(name);
    if (v == null) {
      return null;
    }
    if (v instanceof Long n && n >= 0) {
      return n;
    }
    throw wrongType(name, v, "a non-negative integer");
  }

  /** A finite number (a number, or a string holding one), or null when absent. */
  public Double number(String name) {
    Object v = values.get(name);
    if (v == null) {
      return null;
    }
    double d;
    if (v instanceof Long n) {
      d = n;
    } else if (v instanceof Double x) {
      d = x;
    } else if (v instanceof String s) {
      try {
        d = Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        throw wrongType(name, v, "a finite number");
      }
    } else {
      throw wrongType(name, v, "a finite number");
    }
    if (!Double.isFinite(d)) {
      throw wrongType(name, v, "a finite number");
    }
    return d;
  }

  private ScoringProblem wrongType(String name, Object v, String expected) {
    String shown = v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    return ScoringProblem.badRequest(
        "parameter '" + name + "' of " + where + " is " + shown + "; expected " + expected);
  }
}
