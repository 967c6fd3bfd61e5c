package org.mos.evaluator.fit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.mos.evaluator.cli.MosCommand;
import picocli.CommandLine;

/**
 * The fit fixtures (scripts/fixtures/make_*_fixtures.py): their JSON, the synthetic head in them
 * and their 4x4 RGB images as PNG files.
 */
final class FixtureImages {

  private FixtureImages() {}

  /** Writes each image of {@code pixels} (48 values, row-major RGB) as {@code folder/NNN.png}. */
  static Path writePngs(Path folder, JsonNode pixels) throws IOException {
    Files.createDirectories(folder);
    for (int n = 0; n < pixels.size(); n++) {
      JsonNode p = pixels.get(n);
      BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          int at = (y * 4 + x) * 3;
          int rgb =
              (p.get(at).asInt() << 16) | (p.get(at + 1).asInt() << 8) | p.get(at + 2).asInt();
          img.setRGB(x, y, rgb);
        }
      }
      ImageIO.write(img, "png", folder.resolve(String.format("%03d.png", n)).toFile());
    }
    return folder;
  }

  /** Reads the JSON fixture at {@code resource} of the test class path. */
  static JsonNode json(String resource) throws IOException {
    try (InputStream in = FixtureImages.class.getResourceAsStream(resource)) {
      return new ObjectMapper().readTree(in);
    }
  }

  /** The fixture's 3x3 head weights ({@code weights}, one row per class). */
  static float[][] weights(JsonNode fx) {
    float[][] w = new float[3][3];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        w[i][j] = (float) fx.get("weights").get(i).get(j).asDouble();
      }
    }
    return w;
  }

  /** The fixture's 3 head biases ({@code bias}). */
  static float[] bias(JsonNode fx) {
    float[] b = new float[3];
    for (int i = 0; i < 3; i++) {
      b[i] = (float) fx.get("bias").get(i).asDouble();
    }
    return b;
  }

  /**
   * Writes the images of each class x, y, z of {@code byClass} into a class folder of {@code root}.
   */
  static Path writeClassFolders(Path root, JsonNode byClass) throws IOException {
    for (String c : List.of("x", "y", "z")) {
      writePngs(root.resolve(c), byClass.get(c));
    }
    return root;
  }

  /** Runs {@code mos fit --bundle bundle args...} through picocli, printing to out and err. */
  static int fit(Path bundle, StringWriter out, StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new MosCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of("fit", "--bundle", bundle.toString()));
    all.addAll(List.of(args));
    return cli.execute(all.toArray(String[]::new));
  }
}
