package org.mos.evaluator.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarsTest {

  @Test
  void writesPlainLinesWithRateAndTimeLeftWhenNotOnATerminal() {
    StringWriter text = new StringWriter();
    ProgressBars bars = new ProgressBars(new PrintWriter(text), false, 0);
    bars.start("mos/val", 4);
    bars.advance(1);
    bars.advance(3);
    bars.finish();
    String[] lines = text.toString().split("\n");
    assertThat(lines[0]).isEqualTo("mos/val: scoring 4 images");
    assertThat(lines[1]).startsWith("mos/val 1/4 images, ").contains(" images/s, ETA ");
    assertThat(lines[lines.length - 1]).startsWith("mos/val 4/4 images, ").contains(", in 0:0");
    assertThat(text.toString()).doesNotContain("\r");
  }

  @Test
  void redrawsOneBarInPlaceOnATerminal() {
    StringWriter text = new StringWriter();
    ProgressBars bars = new ProgressBars(new PrintWriter(text), true, 10);
    bars.start("far", 2);
    bars.advance(2);
    bars.finish();
    assertThat(text.toString())
        .startsWith("\r")
        .contains("[" + "#".repeat(30) + "]")
        .contains("2/2 images")
        .endsWith(System.lineSeparator());
  }

  @Test
  void formatsDurationsAsMinutesOrHours() {
    assertThat(ProgressBars.clock(59.6)).isEqualTo("1:00");
    assertThat(ProgressBars.clock(3725)).isEqualTo("1:02:05");
  }
}
