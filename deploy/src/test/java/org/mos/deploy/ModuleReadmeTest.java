package org.mos.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every module's README names each of its Java packages, either in full ({@code
 * org.mos.common.score}) or as its folder ({@code `score/`}), so a newcomer's map has no holes.
 */
class ModuleReadmeTest {

  @Test
  void everyModuleReadmeNamesEachOfItsPackages() throws IOException {
    List<String> missing = new ArrayList<>();
    int modules = 0;
    try (Stream<Path> dirs = Files.list(Repo.ROOT)) {
      for (Path module : dirs.filter(d -> Files.isDirectory(d.resolve("src/main/java"))).toList()) {
        modules++;
        Path readme = module.resolve("README.md");
        String name = Repo.ROOT.relativize(module).toString();
        if (!Files.exists(readme)) {
          missing.add(name + " has no README.md");
          continue;
        }
        String text = Files.readString(readme);
        for (String pkg : packages(module.resolve("src/main/java"))) {
          String folder = pkg.substring(pkg.lastIndexOf('.') + 1);
          if (!text.contains(pkg) && !text.contains("`" + folder + "/`")) {
            missing.add(name + "/README.md does not name package " + pkg);
          }
        }
      }
    }
    assertThat(modules).as("modules with sources").isGreaterThanOrEqualTo(4);
    assertThat(missing).isEmpty();
  }

  /** The packages that hold at least one Java file. */
  static Set<String> packages(Path sources) throws IOException {
    Set<String> out = new TreeSet<>();
    try (Stream<Path> files = Files.walk(sources)) {
      files
          .filter(f -> f.toString().endsWith(".java"))
          .map(f -> sources.relativize(f.getParent()).toString().replace('/', '.'))
          .forEach(out::add);
    }
    return out;
  }
}
