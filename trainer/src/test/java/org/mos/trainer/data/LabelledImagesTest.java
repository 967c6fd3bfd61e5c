package org.mos.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.data.DatasetException;
import org.mos.common.layout.GroupLayout;

class LabelledImagesTest {

  @TempDir Path dir;

  @Test
  void classFoldersAreMatchedToATaxonomyTableByNameNotByFolderOrder() throws Exception {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 1); // folders a_top, b_bottom, c_left, d_right
    Path table = dir.resolve("taxonomy.tsv");
    // flat indices deliberately not the sorted folder order
    Files.write(
        table,
        List.of(
            "wnid flat_index group index_in_group",
            "d_right 0 0 0",
            "b_bottom 1 1 1",
            "a_top 2 1 0",
            "c_left 3 0 1"));
    GroupLayout layout = GroupLayout.read(table);

    LabelledImages grouped = LabelledImages.read(images, null, layout, true);
    assertThat(grouped.labelWidth()).isEqualTo(2);
    // a_top is group 1 index 0 -> (0, 1); d_right is group 0 index 0 -> (1, 0)
    assertThat(grouped.label(0)).containsExactly(0, 1);
    assertThat(grouped.label(1)).containsExactly(0, 2);
    assertThat(grouped.label(2)).containsExactly(2, 0);
    assertThat(grouped.label(3)).containsExactly(1, 0);

    LabelledImages flat = LabelledImages.read(images, null, layout, false);
    assertThat(flat.labels()).containsExactly(2, 1, 3, 0);
  }

  @Test
  void aClassFolderMissingFromTheTableIsNamed() throws Exception {
    Path images = dir.resolve("images");
    TinyImages.folder(images, 1);
    Path table = dir.resolve("taxonomy.tsv");
    Files.write(
        table,
        List.of(
            "wnid flat_index group index_in_group",
            "a_top 0 0 0",
            "b_bottom 1 0 1",
            "c_left 2 1 0",
            "x_other 3 1 1"));
    assertThatThrownBy(() -> LabelledImages.read(images, null, GroupLayout.read(table), true))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("'d_right'")
        .hasMessageContaining("not in the class table");
  }

  @Test
  void aGroupListLineOutsideTheLayoutIsNamedWithItsLine() throws Exception {
    Path list = dir.resolve("group.txt");
    Files.write(list, List.of("x/a.png 0 1", "x/b.png 1 2"));
    assertThatThrownBy(() -> LabelledImages.read(list, dir, GroupLayout.ofSizes(2, 2), true))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("line 2 (b.png) has group 1 index 2")
        .hasMessageContaining("group sizes [2, 2]");
  }
}
