package org.mos.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import org.mos.common.io.Npy;
import org.mos.common.io.NpyArray;

/** The committed test fixtures under {@code src/test/resources/fixtures/<area>/}. */
public final class TestFixtures {

  private TestFixtures() {}

  public static Path path(String area, String name) {
    URL url = TestFixtures.class.getResource("/fixtures/" + area + "/" + name);
    if (url == null) {
      throw new IllegalStateException(
          "missing fixture "
              + area
              + "/"
              + name
              + " (run scripts/fixtures/make_score_fixtures.py)");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static NpyArray npy(String area, String name) {
    try {
      return Npy.read(path(area, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fixture of the scores area as doubles. */
  public static double[] scores(String name) {
    return npy("scores", name).values();
  }
}
