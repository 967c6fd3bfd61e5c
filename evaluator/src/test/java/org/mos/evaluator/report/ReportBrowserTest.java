package org.mos.evaluator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.metrics.Convention;
import org.mos.common.testkit.HeadlessChromium;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A generated {@code report.html} opened in a real browser (Debian's Chromium, headless): its
 * tables are there with the run's numbers, every picture decodes, and the browser reports no error.
 * The screenshot goes to {@code target/screenshots/report.png}.
 */
class ReportBrowserTest {

  @TempDir static Path dir;

  static ChromeDriver browser;

  @BeforeAll
  static void writeReportAndStartBrowser() throws Exception {
    assertThat(HeadlessChromium.installed())
        .as("Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
        .isTrue();
    ReportWriter.write(ReportFixtures.results(Convention.PAPER, List.of()), dir.resolve("report"));
    browser = HeadlessChromium.start(dir.resolve("profile"));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void reportRendersItsTablesAndEveryPictureWithoutBrowserErrors() throws Exception {
    browser.get(dir.resolve("report/report.html").toUri().toString());
    List<WebElement> tables = browser.findElements(By.tagName("table"));
    assertThat(tables).isNotEmpty();
    assertThat(browser.findElements(By.cssSelector("table tr")).size())
        .isGreaterThan(tables.size());
    assertThat(browser.findElement(By.tagName("body")).getText())
        .contains(ReportFixtures.expectedPercent(0, "near", "auroc"));
    List<WebElement> images = browser.findElements(By.tagName("img"));
    assertThat(images).hasSize(4);
    for (WebElement img : images) {
      Object width =
          browser.executeScript(
              "return arguments[0].complete ? arguments[0].naturalWidth : -1;", img);
      assertThat(((Number) width).intValue()).as(img.getAttribute("alt")).isPositive();
      assertThat(img.isDisplayed()).isTrue();
    }
    HeadlessChromium.screenshot(browser, Path.of("target/screenshots/report.png"));
    assertThat(HeadlessChromium.consoleErrors(browser)).isEmpty();
  }
}
