package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DocumentedOptionsTest {

  private static final Map<String, Set<String>> COMMANDS = SuiteCommands.all();

  @Test
  void everyCommandThePagesRunExistsAndHasEveryOptionTheyGiveIt() {
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (Path page : DocCommands.pages()) {
      for (DocCommands.Mention m : DocCommands.invocations(page, COMMANDS.keySet())) {
        Set<String> known = COMMANDS.get(m.command());
        if (known == null) {
          wrong.add(m.where() + ": `mos " + m.command() + "` is no command (" + m.text() + ")");
          continue;
        }
        for (String option : m.options()) {
          checked++;
          if (!known.contains(option) && !option.equals("--help") && !option.equals("-h")) {
            wrong.add(
                m.where()
                    + ": `mos "
                    + m.command()
                    + "` has no option "
                    + option
                    + " ("
                    + m.text()
                    + ")");
          }
        }
      }
    }
    assertThat(wrong).as("options the docs name that the commands do not have").isEmpty();
    assertThat(checked).as("options checked").isGreaterThan(100);
  }

  @Test
  void everyOptionThePagesNameOnItsOwnBelongsToSomeCommandOfTheSuite() {
    Set<String> all = new TreeSet<>();
    COMMANDS.values().forEach(all::addAll);
    List<String> wrong = new ArrayList<>();
    for (Path page : DocCommands.pages()) {
      for (DocCommands.Mention m : DocCommands.loneOptions(page)) {
        String option = m.options().get(0);
        if (!all.contains(option)) {
          wrong.add(m.where() + ": no command has " + option + " (`" + m.text() + "`)");
        }
      }
    }
    assertThat(wrong).as("options named in prose that no command has").isEmpty();
  }

  @Test
  void negatableOptionsCountInBothSpellings() {
    assertThat(COMMANDS.get("train")).contains("--flip", "--no-flip");
  }

  @Test
  void theLauncherOwnOptionsOfServeScorerAreRead() {
    assertThat(COMMANDS.get("serve scorer")).contains("--models", "--port", "--kafka");
  }

  @Test
  void theScannerReadsCodeSpansAndBlocksButNotKubectlNamespaces(@TempDir Path dir)
      throws IOException {
    Path page = dir.resolve("page.md");
    Files.writeString(
        page,
        String.join(
            "\n",
            "Run `./mos fit --bundle B --bogus` and `--lonely` (`--steps 5`).",
            "```",
            "./mos evaluate --id x \\",
            "    --ood a=b --out r && kubectl -n mos patch job x --type=merge",
            "time ./mos data demo --out d   # --not-an-option",
            "```"));
    List<DocCommands.Mention> runs = DocCommands.invocations(page, COMMANDS.keySet());
    assertThat(runs)
        .extracting(DocCommands.Mention::command, DocCommands.Mention::options)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("fit", List.of("--bundle", "--bogus")),
            org.assertj.core.groups.Tuple.tuple("evaluate", List.of("--id", "--ood", "--out")),
            org.assertj.core.groups.Tuple.tuple("data demo", List.of("--out")));
    assertThat(DocCommands.loneOptions(page))
        .extracting(m -> m.options().get(0))
        .containsExactly("--lonely", "--steps");
  }
}
