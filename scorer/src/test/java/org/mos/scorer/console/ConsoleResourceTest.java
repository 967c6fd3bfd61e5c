package org.mos.scorer.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mos.common.testkit.HeadlessChromium;
import org.mos.scorer.TestBundles;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The console at {@code /}, loaded in a real browser (Debian's Chromium, headless) against the
 * running scorer: models listed, an image uploaded, its prediction, scores, calibrated decisions,
 * drawings and Server-Timing shown; API errors shown as the problem's message. Screenshots go to
 * {@code target/screenshots/}.
 */
@QuarkusTest
@WithTestResource(TestBundles.class)
class ConsoleResourceTest {

  @TestHTTPResource("/")
  URL console;

  static ChromeDriver browser;
  static Path work;

  @BeforeAll
  static void startBrowser() throws Exception {
    assertThat(HeadlessChromium.installed())
        .as("Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
        .isTrue();
    work = Files.createTempDirectory("mos-console-test-");
    browser = HeadlessChromium.start(work.resolve("profile"));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private Path image(String name, byte[] bytes) throws Exception {
    Path file = work.resolve(name);
    Files.write(file, bytes);
    return file;
  }

  private void openAndChoose(String model) {
    browser.get(console.toString());
    HeadlessChromium.waitFor(browser, 30)
        .until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("tr[data-model='" + model + "']")));
    browser.findElement(By.cssSelector("tr[data-model='" + model + "']")).click();
    HeadlessChromium.waitFor(browser, 30)
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("chosen-model"), "with " + model));
  }

  private void upload(Path file) {
    browser.findElement(By.id("file-input")).sendKeys(file.toString());
    HeadlessChromium.waitFor(browser, 60)
        .until(
            ExpectedConditions.or(
                ExpectedConditions.visibilityOfElementLocated(By.id("result")),
                ExpectedConditions.visibilityOfElementLocated(By.id("error"))));
  }

  @Test
  void listsTheModelsAndScoresAnUploadedImageWithDecisionsDrawingsAndTimings() throws Exception {
    openAndChoose("grouped");
    List<WebElement> rows = browser.findElements(By.cssSelector("#models tbody tr"));
    assertThat(rows)
        .extracting(r -> r.getAttribute("data-model"))
        .containsExactly("broken", "flat", "grouped", "maha");
    // the bundle that failed to load is listed as not ready, with its reason
    WebElement broken = browser.findElement(By.cssSelector("tr[data-model='broken']"));
    assertThat(broken.getText()).contains("not ready").contains("failed to load");
    WebElement grouped = browser.findElement(By.cssSelector("tr[data-model='grouped']"));
    assertThat(grouped.getText()).contains("group softmax, 2 groups").contains("mos");

    // green (0, 255, 0) on the grouped model: mos = -0.576, below every calibration score: OOD
    upload(image("green.png", TestBundles.png(0, 255, 0)));
    assertThat(browser.findElement(By.id("error")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.id("prediction")).getText()).contains("group");
    WebElement mos = browser.findElement(By.cssSelector("#scores tr[data-method='mos']"));
    assertThat(mos.findElement(By.cssSelector(".score")).getText()).isEqualTo("-0.5761");
    assertThat(mos.findElement(By.cssSelector(".badge")).getText()).isEqualTo("OOD");
    assertThat(mos.findElements(By.cssSelector("svg.cdf polyline"))).hasSize(1);
    assertThat(mos.findElements(By.cssSelector("svg.cdf circle"))).hasSize(1);
    WebElement msp = browser.findElement(By.cssSelector("#scores tr[data-method='msp']"));
    assertThat(msp.getText()).contains("no calibration");
    assertThat(browser.findElement(By.id("timing-text")).getText())
        .contains("prepare")
        .contains("infer");
    assertThat(browser.findElements(By.cssSelector("#topk tbody tr"))).isNotEmpty();
    Boolean previewLoaded =
        (Boolean)
            browser.executeScript(
                "const i = document.getElementById('preview'); return i.complete &&"
                    + " i.naturalWidth > 0;");
    assertThat(previewLoaded).isTrue();
    HeadlessChromium.screenshot(browser, Path.of("target/screenshots/console.png"));
    assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();

    // red on the same model: class a, group 0, mos -0.234 above the threshold: ID
    upload(image("red.png", TestBundles.png(255, 0, 0)));
    assertThat(browser.findElement(By.id("prediction")).getText())
        .startsWith("a (class 0, group 0)");
    assertThat(
            browser.findElement(By.cssSelector("#scores tr[data-method='mos'] .badge")).getText())
        .isEqualTo("ID");
    assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
  }

  @Test
  void anApiErrorIsShownAsTheProblemsMessage() throws Exception {
    openAndChoose("flat");
    upload(image("notes.txt", "not an image".getBytes()));
    WebElement error = browser.findElement(By.id("error"));
    assertThat(error.isDisplayed()).isTrue();
    assertThat(error.getText()).isNotBlank().doesNotContain("Exception");
    assertThat(browser.findElement(By.id("result")).isDisplayed()).isFalse();
    HeadlessChromium.screenshot(browser, Path.of("target/screenshots/console-error.png"));
  }
}
