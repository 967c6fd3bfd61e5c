package org.mos.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.metrics.Convention;

/**
 * Writes the fixture run (scores and sklearn reference metrics from make_report_fixtures.py) once
 * and checks every file; the tests that need other runs write their own folders.
 */
class ReportWriterTest {

  private static final String[] KEYS = {"auroc", "aupr_in", "aupr_out", "fpr95"};
  private static final String NEAR = "near";
  private static final String FAR = "far, with comma";

  @TempDir static Path shared;
  @TempDir Path dir;

  private static Path out;

  /** Writes without pictures, for tests about the other files (drawing is the slow part). */
  private static void writeWithoutPictures(EvaluationResults results, Path dir) throws IOException {
    ReportWriter.write(results, dir, run -> List.of());
  }

  @BeforeAll
  static void writeFixtureRun() throws IOException {
    out = shared.resolve("report");
    List<SkippedImage> skipped =
        List.of(
            new SkippedImage(NEAR, "a<script>alert(1)</script>.jpg", "undecodable & \"odd\""),
            new SkippedImage("ImageNet", "n01440764/x.JPEG", "CMYK"));
    ReportWriter.write(ReportFixtures.results(Convention.PAPER, skipped), out);
  }

  @Test
  void consoleTablesShowPercentagesRoundedLikePython() {
    String table = ReportWriter.table(ReportFixtures.results(Convention.PAPER, List.of()));
    String expectedMos = "| MOS | " + cellsOfEverySet(0, "auroc", "fpr95") + " | 1.5 |";
    assertThat(table)
        .startsWith(
            "| method | near | far, with comma | average | test time (s) |\n|---|---|---|---|---|\n")
        .contains(expectedMos + "\n")
        // The second table: AUPR-In / AUPR-Out, without the time column.
        .contains("| MSP <b> | " + cellsOfEverySet(1, "aupr_in", "aupr_out") + " |\n")
        .contains("| group | 75.00 |\n| flat | 81.25 |\n");
    assertThat(expectedMos).contains("82.08 / 56.67");
  }

  /** The fixture run (paper convention, nothing skipped) cut down to {@code oodSets}. */
  private static EvaluationResults fixtureWithOodSets(List<String> oodSets) {
    return fixtureWith(oodSets, ReportFixtures.results(Convention.PAPER, List.of()).methods());
  }

  /** The fixture run (paper convention, nothing skipped) with other OOD sets and methods. */
  private static EvaluationResults fixtureWith(List<String> oodSets, List<MethodResult> methods) {
    EvaluationResults full = ReportFixtures.results(Convention.PAPER, List.of());
    return new EvaluationResults(
        full.idName(),
        oodSets,
        methods,
        full.idAccuracy(),
        full.convention(),
        full.settings(),
        List.of(),
        full.seconds());
  }

  /** The near, far and average cells of one method's row, joined as the table joins them. */
  private static String cellsOfEverySet(int method, String first, String second) {
    return String.join(
        " | ",
        cell(method, NEAR, first, second),
        cell(method, FAR, first, second),
        cell(method, "average", first, second));
  }

  private static String cell(int method, String set, String first, String second) {
    return ReportFixtures.expectedPercent(method, set, first)
        + " / "
        + ReportFixtures.expectedPercent(method, set, second);
  }

  @Test
  void percentRoundsTheExactBinaryValueHalfEvenLikePython() {
    for (JsonNode c : ReportFixtures.cases().get("percent")) {
      assertThat(Percent.of(c.get(0).asDouble())).as("%s", c.get(0)).isEqualTo(c.get(1).asText());
    }
    assertThat(Percent.of(Double.NaN)).isEqualTo("n/a");
  }

  @Test
  void csvParsesBackToTheReferenceMetrics() throws IOException {
    String text = Files.readString(out.resolve("results.csv"));
    assertThat(text).contains("\r\n").doesNotContain("\n\n");
    List<List<String>> rows = Rfc4180.parse(text);
    assertThat(rows.get(0)).containsExactly(CsvReport.HEADER.split(","));
    assertThat(rows).hasSize(1 + 2 * 3);
    List<String> sets = List.of(NEAR, FAR, "average");
    for (int m = 0; m < 2; m++) {
      for (int s = 0; s < 3; s++) {
        List<String> row = rows.get(1 + 3 * m + s);
        assertThat(row.get(3)).isEqualTo(sets.get(s));
        for (int k = 0; k < KEYS.length; k++) {
          assertThat(Double.parseDouble(row.get(6 + k)))
              .as("%s %s %s", m, sets.get(s), KEYS[k])
              .isCloseTo(ReportFixtures.expected("paper", m, sets.get(s), KEYS[k]), within(1e-12));
        }
      }
    }
    List<String> msp = rows.get(4);
    assertThat(msp.subList(0, 6)).containsExactly("msp", "MSP <b>", "flat", NEAR, "40", "30");
    assertThat(rows.get(6).subList(4, 6)).containsExactly("40", "55");
  }

  @Test
  void jsonHoldsFractionsSettingsAccuracyAndSkipped() throws IOException {
    JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertThat(json.get("convention").asText()).isEqualTo("paper");
    assertThat(json.get("id").asText()).isEqualTo("ImageNet");
    assertThat(json.get("seconds").asDouble()).isEqualTo(12.25);
    assertThat(json.get("settings").get("transport").asText()).isEqualTo("in-process");
    assertThat(json.get("settings").get("bundles").get("group").asText()).isEqualTo("sha256:ab12");
    assertThat(json.get("settings").get("paper_mode").asBoolean()).isTrue();
    assertThat(json.get("settings").get("opaque").asText()).isEqualTo("opaque <setting>");
    assertThat(json.get("id_accuracy").get("flat").asDouble()).isEqualTo(0.8125);
    for (int m = 0; m < 2; m++) {
      JsonNode method = json.get("methods").get(m);
      for (String set : List.of(NEAR, FAR)) {
        for (String key : KEYS) {
          assertThat(method.get("ood").get(set).get(key).asDouble())
              .isCloseTo(ReportFixtures.expected("paper", m, set, key), within(1e-12));
        }
      }
      for (String key : KEYS) {
        assertThat(method.get("average").get(key).asDouble())
            .isCloseTo(ReportFixtures.expected("paper", m, "average", key), within(1e-12));
      }
    }
    assertThat(json.get("methods").get(0).get("id_images").asInt()).isEqualTo(40);
    assertThat(json.get("datasets").get(1).get("skipped").asInt()).isEqualTo(1);
    assertThat(json.get("skipped_count").asInt()).isEqualTo(2);
    assertThat(json.get("skipped").get(0).get("image_id").asText())
        .isEqualTo("a<script>alert(1)</script>.jpg");
    assertThat(json.get("figures")).hasSize(4);
  }

  @Test
  void openOodConventionUsesItsOwnDefinitions() throws IOException {
    writeWithoutPictures(ReportFixtures.results(Convention.OPENOOD, List.of()), dir);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertThat(json.get("convention").asText()).isEqualTo("openood");
    for (String key : KEYS) {
      assertThat(json.get("methods").get(1).get("ood").get(FAR).get(key).asDouble())
          .isCloseTo(ReportFixtures.expected("openood", 1, FAR, key), within(1e-12));
    }
    assertThat(Files.readString(dir.resolve("results.md"))).contains("openood convention: OOD is");
  }

  @Test
  void picturesDecodeWithTheExpectedSizesAndAreNotBlank() throws IOException {
    Path figures = out.resolve("figures");
    try (Stream<Path> files = Files.list(figures)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted())
          .containsExactly(
              "histogram-mos.png", "histogram-msp-b.png", "roc-far-with-comma.png", "roc-near.png");
    }
    for (String roc : List.of("roc-near.png", "roc-far-with-comma.png")) {
      BufferedImage image = ImageIO.read(figures.resolve(roc).toFile());
      assertThat(image.getWidth()).isEqualTo(ReportCharts.ROC_WIDTH);
      assertThat(image.getHeight()).isEqualTo(ReportCharts.ROC_HEIGHT);
      assertThat(variance(image)).isGreaterThan(100);
      // Both curves are drawn in their method's palette colour.
      assertThat(countColour(image, ReportCharts.colour(0).getRGB())).isGreaterThan(200);
      assertThat(countColour(image, ReportCharts.colour(1).getRGB())).isGreaterThan(200);
    }
    BufferedImage histogram = ImageIO.read(figures.resolve("histogram-mos.png").toFile());
    assertThat(histogram.getWidth()).isEqualTo(ReportCharts.HISTOGRAM_WIDTH);
    assertThat(histogram.getHeight()).isEqualTo(ReportCharts.HISTOGRAM_HEIGHT);
    assertThat(variance(histogram)).isGreaterThan(100);
  }

  /** Variance of the grey level over all pixels: 0 for a blank image. */
  private static double variance(BufferedImage image) {
    double sum = 0;
    double sumSquares = 0;
    int n = image.getWidth() * image.getHeight();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        double grey = (((rgb >> 16) & 255) + ((rgb >> 8) & 255) + (rgb & 255)) / 3.0;
        sum += grey;
        sumSquares += grey * grey;
      }
    }
    double mean = sum / n;
    return sumSquares / n - mean * mean;
  }

  private static int countColour(BufferedImage image, int rgb) {
    int n = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        n += (image.getRGB(x, y) & 0xffffff) == (rgb & 0xffffff) ? 1 : 0;
      }
    }
    return n;
  }

  @Test
  void htmlIsSelfContainedAndEscapesEverythingFromTheRun() throws IOException {
    String html = Files.readString(out.resolve("report.html"));
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .contains("<style>")
        .contains("MSP &lt;b&gt;")
        .doesNotContain("MSP <b>")
        .contains("a&lt;script&gt;alert(1)&lt;/script&gt;.jpg")
        .doesNotContain("<script")
        .contains("undecodable &amp; &quot;odd&quot;")
        .contains("sha256:ab12")
        .contains("opaque &lt;setting&gt;")
        .contains("<b>" + ReportFixtures.expectedPercent(0, NEAR, "auroc") + "</b>")
        .doesNotContain("http://")
        .doesNotContain("https://");
    // Four pictures, embedded (the page needs no other file).
    assertThat(html.split("src=\"data:image/png;base64,", -1)).hasSize(5);
  }

  @Test
  void leavesNoTemporaryFilesAndRemovesThoseOfAnInterruptedRun() throws IOException {
    Files.createDirectories(dir.resolve("figures"));
    Files.writeString(dir.resolve(".results.json.1a2b3c4d.tmp"), "half");
    Files.writeString(dir.resolve("figures/.roc-gone.png.1a2b3c4d.tmp"), "half");
    Files.writeString(dir.resolve("notes.txt"), "the user's own file");
    writeWithoutPictures(ReportFixtures.results(Convention.PAPER, List.of()), dir);
    try (Stream<Path> all = Files.walk(dir)) {
      assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
    assertThat(dir.resolve("notes.txt")).hasContent("the user's own file");
    assertThat(dir.resolve("results.md")).exists();
  }

  @Test
  void rerunningReplacesFilesAndDropsPicturesOfSetsNoLongerThere() throws IOException {
    ReportWriter.write(ReportFixtures.results(Convention.PAPER, List.of()), dir);
    assertThat(dir.resolve("figures/roc-far-with-comma.png")).exists();
    EvaluationResults nearOnly = fixtureWithOodSets(List.of(NEAR));
    ReportWriter.write(nearOnly, dir);
    assertThat(dir.resolve("figures/roc-far-with-comma.png")).doesNotExist();
    assertThat(dir.resolve("figures/roc-near.png")).exists();
    assertThat(Files.readString(dir.resolve("results.csv"))).doesNotContain(FAR);
  }

  @Test
  void nanScoresGiveNotAvailableCellsAndAReasonInsteadOfFailing() throws IOException {
    EvaluationResults full = ReportFixtures.results(Convention.PAPER, List.of());
    MethodResult mos = full.methods().get(0);
    Map<String, double[]> ood = new LinkedHashMap<>(mos.oodScores());
    double[] near = ood.get(NEAR).clone();
    near[3] = Double.NaN;
    ood.put(NEAR, near);
    MethodResult broken =
        new MethodResult("mos", "MOS", "group", mos.idScores(), ood, mos.seconds());
    EvaluationResults results = fixtureWith(full.oodSets(), List.of(broken, full.methods().get(1)));
    ReportWriter.write(results, dir);
    assertThat(ReportWriter.table(results))
        .contains("| MOS | n/a | " + cell(0, FAR, "auroc", "fpr95") + " | n/a | 1.5 |")
        .contains("- MOS vs near: 1 NaN OOD score\n");
    JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    JsonNode pair = json.get("methods").get(0).get("ood").get(NEAR);
    assertThat(pair.get("auroc").isNull()).isTrue();
    assertThat(pair.get("problem").asText()).isEqualTo("1 NaN OOD score");
    assertThat(json.get("methods").get(0).get("average").get("fpr95").isNull()).isTrue();
    assertThat(Rfc4180.parse(Files.readString(dir.resolve("results.csv"))).get(1).get(6)).isEmpty();
    BufferedImage histogram = ImageIO.read(dir.resolve("figures/histogram-mos.png").toFile());
    assertThat(variance(histogram)).isGreaterThan(100);
  }

  @Test
  void tenThousandSkippedImagesAreCountedInTheHtmlAndAllListedInTheJson() throws IOException {
    List<SkippedImage> skipped = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      skipped.add(new SkippedImage(NEAR, "img-" + i + ".jpg", i % 2 == 0 ? "truncated" : "empty"));
    }
    writeWithoutPictures(ReportFixtures.results(Convention.PAPER, skipped), dir);
    String html = Files.readString(dir.resolve("report.html"));
    assertThat(html).contains("img-499.jpg").doesNotContain("img-500.jpg");
    assertThat(html).contains("9500 more skipped images");
    assertThat(html).contains("<td>truncated</td><td class=\"num\">5000</td>");
    assertThat(html.length()).isLessThan(500_000);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertThat(json.get("skipped")).hasSize(10_000);
    assertThat(json.get("skipped").get(9_999).get("image_id").asText()).isEqualTo("img-9999.jpg");
    assertThat(Files.readString(dir.resolve("results.md")))
        .contains("10000 images could not be scored")
        .contains("| near | truncated | 5000 |");
  }

  @Test
  void rejectsOodSetNamesThatWouldMakeTheReportAmbiguous() {
    assertThatThrownBy(() -> ReportWriter.checkNames("ImageNet", List.of("SUN", "sun")))
        .hasMessage("OOD set 'sun' appears twice: expected distinct names (ignoring case)");
    assertThatThrownBy(() -> ReportWriter.checkNames("ImageNet", List.of("Average")))
        .hasMessageContaining("'Average'")
        .hasMessageContaining("the mean rows");
    assertThatThrownBy(() -> ReportWriter.checkNames("ImageNet", List.of("ImageNet")))
        .hasMessageContaining("the ID set");
    assertThatThrownBy(() -> ReportWriter.checkNames(" ", List.of("SUN")))
        .hasMessageContaining("non-blank");
  }

  @Test
  void aRunWithoutOodSetsStillReportsAccuracy() throws IOException {
    EvaluationResults none = fixtureWithOodSets(List.of());
    ReportWriter.write(none, dir);
    assertThat(ReportWriter.table(none))
        .startsWith("| method | average | test time (s) |\n|---|---|---|\n| MOS | n/a | 1.5 |")
        .contains("| group | 75.00 |");
    assertThat(dir.resolve("figures/histogram-mos.png")).exists();
  }

  @Test
  void writesTheTablesAndSaysWhyWhenThePicturesCannotBeDrawn() throws IOException {
    ReportWriter.write(ReportFixtures.results(Convention.PAPER, List.of()), dir);
    assertThat(dir.resolve("figures/roc-near.png")).exists();
    // As a Java runtime without fonts fails inside AWT.
    ReportWriter.write(
        ReportFixtures.results(Convention.PAPER, List.of()),
        dir,
        run -> {
          throw new java.awt.AWTError("no fonts <found>");
        });
    assertThat(Files.readString(dir.resolve("report.html")))
        .contains("The pictures could not be drawn: AWTError: no fonts &lt;found&gt;");
    JsonNode json = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertThat(json.get("figures_problem").asText()).isEqualTo("AWTError: no fonts <found>");
    assertThat(json.get("methods")).hasSize(2);
    assertThat(Files.readString(dir.resolve("results.md")))
        .contains("The pictures could not be drawn: AWTError: no fonts &lt;found&gt;");
    // The pictures of the earlier run no longer match the files: they are gone.
    assertThat(dir.resolve("figures/roc-near.png")).doesNotExist();
  }

  @Test
  void slugsAreFileSafeAndUnique() {
    assertThat(ReportWriter.uniqueSlugs(List.of("MSP (flat)", "MSP flat", "../x", "日本"), "m"))
        .containsExactly("msp-flat", "msp-flat-2", "x", "m");
  }

  /** A small RFC 4180 reader, independent of the writer. */
  static final class Rfc4180 {
    static List<List<String>> parse(String text) {
      List<List<String>> rows = new ArrayList<>();
      List<String> row = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (quoted) {
          if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else if (c == '"') {
            quoted = false;
          } else {
            field.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          row.add(field.toString());
          field.setLength(0);
        } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          row.add(field.toString());
          field.setLength(0);
          rows.add(row);
          row = new ArrayList<>();
          i++;
        } else {
          field.append(c);
        }
      }
      if (!row.isEmpty() || field.length() > 0) {
        throw new IllegalArgumentException("the last record does not end with CRLF");
      }
      return rows;
    }
  }
}
