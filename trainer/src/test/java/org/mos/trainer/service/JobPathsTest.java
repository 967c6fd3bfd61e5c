package org.mos.trainer.service;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.trainer.train.TrainSpec;

class JobPathsTest {

  @TempDir Path dir;
  Path root;
  Path outside;
  JobPaths paths;

  @BeforeEach
  void layout() throws Exception {
    root = Files.createDirectories(dir.resolve("root")).toRealPath();
    outside = Files.createDirectories(dir.resolve("outside")).toRealPath();
    Files.createDirectories(root.resolve("data/cls"));
    Files.writeString(root.resolve("data/cls/a.png"), "x");
    Files.writeString(outside.resolve("secret.png"), "x");
    Files.createSymbolicLink(root.resolve("to-outside"), outside);
    Files.createSymbolicLink(root.resolve("inner-link"), root.resolve("data"));
    paths = new JobPaths(List.of(root, dir.resolve("not-yet-there")));
  }

  @Test
  void pathsInsideARootPassWhetherTheyExistOrNot() {
    assertThatCode(() -> paths.confine("train", root.resolve("data").toString()))
        .doesNotThrowAnyException();
    assertThatCode(() -> paths.confine("out", root.resolve("runs/new/deeper").toString()))
        .doesNotThrowAnyException();
    // a link that stays inside is fine
    assertThatCode(() -> paths.confine("train", root.resolve("inner-link/cls").toString()))
        .doesNotThrowAnyException();
    // a root that does not exist yet still confines what will be created there
    assertThatCode(() -> paths.confine("out", dir.resolve("not-yet-there/x").toString()))
        .doesNotThrowAnyException();
    assertThatCode(() -> paths.confine("weights", null)).doesNotThrowAnyException();
  }

  @Test
  void absolutePathsOutsideAreRefusedNamingFieldPathAndRoots() {
    assertThatThrownBy(() -> paths.confine("weights", outside.resolve("w.npz").toString()))
        .isInstanceOf(PathOutsideRootsException.class)
        .hasMessageStartingWith("weights " + outside.resolve("w.npz") + " is outside the job roots")
        .hasMessageContaining(paths.roots().toString())
        .hasMessageContaining("trainer.job-roots");
    assertThatThrownBy(() -> paths.confine("out", "/etc")).hasMessageContaining("out /etc is");
  }

  @Test
  void dotDotSegmentsAreRefusedEvenWhenTheyStayInside() {
    assertThatThrownBy(() -> paths.confine("train", root.resolve("data/../data").toString()))
        .isInstanceOf(PathOutsideRootsException.class)
        .hasMessageContaining("'..' segment");
    assertThatThrownBy(() -> paths.confine("val", "../outside"))
        .hasMessageContaining("val ../outside has a '..' segment");
  }

  @Test
  void symbolicLinksThatLeaveARootAreRefused() throws Exception {
    assertThatThrownBy(() -> paths.confine("train", root.resolve("to-outside").toString()))
        .isInstanceOf(PathOutsideRootsException.class)
        .hasMessageContaining("resolves to " + outside);
    // a new file below an escaping link: where the write would land counts
    assertThatThrownBy(() -> paths.confine("out", root.resolve("to-outside/new/run").toString()))
        .hasMessageContaining("resolves to " + outside.resolve("new/run"));
    Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("nothing"));
    assertThatThrownBy(() -> paths.confine("out", root.resolve("dangling").toString()))
        .hasMessageContaining("target does not exist");
  }

  @Test
  void imagesNamedByListFilesOrLinkedIntoFoldersMustBeInsideToo() throws Exception {
    Path list = root.resolve("train.txt");
    Files.writeString(list, "data/cls/a.png 0\n" + outside.resolve("secret.png") + " 0\n");
    TrainSpec spec = new TrainSpec();
    spec.train = list.toString();
    assertThatThrownBy(() -> paths.confine(spec))
        .isInstanceOf(PathOutsideRootsException.class)
        .hasMessageContaining("train image " + outside.resolve("secret.png"))
        .hasMessageContaining("(named by train " + list + ")");

    Files.writeString(list, "data/cls/a.png 0\n");
    assertThatCode(() -> paths.confine(spec)).doesNotThrowAnyException();

    Files.createSymbolicLink(root.resolve("data/cls/b.png"), outside.resolve("secret.png"));
    spec.train = root.resolve("data").toString();
    assertThatThrownBy(() -> paths.confine(spec))
        .hasMessageContaining("resolves to " + outside.resolve("secret.png"));
  }
}
