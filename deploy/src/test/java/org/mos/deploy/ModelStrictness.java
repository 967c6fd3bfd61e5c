package org.mos.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds fields the typed model did not recognise. fabric8 keeps unknown fields in each object's
 * {@code additionalProperties} instead of failing, so a misspelt {@code readinesProbe} or {@code
 * claimname} would otherwise load without a word (and be dropped by the API server).
 */
final class ModelStrictness {

  private ModelStrictness() {}

  /** JSON-ish paths of every unknown field below {@code typed}; empty when all were recognised. */
  static List<String> unknownFields(Object typed) {
    List<String> out = new ArrayList<>();
    if (!(typed instanceof GenericKubernetesResource)) {
      walk(typed, "", out);
    }
    return out;
  }

  private static void walk(Object value, String path, List<String> out) {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", out);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, out));
      return;
    }
    if (value == null || !value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method m : value.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object child = invoke(m, value);
      if (m.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra) {
          extra.keySet().forEach(k -> out.add(path + "." + k));
        }
      } else {
        String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
        walk(child, path + "." + field, out);
      }
    }
  }

  private static Object invoke(Method m, Object target) {
    try {
      return m.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      return null;
    }
  }
}
