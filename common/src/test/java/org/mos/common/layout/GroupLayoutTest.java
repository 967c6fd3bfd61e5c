package org.mos.common.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mos.common.TestFixtures;

class GroupLayoutTest {

  private static final int[] PAPER_SIZES = {398, 521, 9, 7, 52, 8, 3, 2};

  @Test
  void paperLayoutHas1008LogitsWithOthersFirstInEverySlice() {
    GroupLayout layout = GroupLayout.ofSizes(PAPER_SIZES);
    assertThat(layout.numGroups()).isEqualTo(8);
    assertThat(layout.numClasses()).isEqualTo(1000);
    assertThat(layout.numLogits()).isEqualTo(1008);
    // slice starts: 0, 399, 399+522=921, 931, 939, 992, 1001, 1005
    assertThat(layout.sliceStart(0)).isZero();
    assertThat(layout.sliceStart(1)).isEqualTo(399);
    assertThat(layout.sliceStart(2)).isEqualTo(921);
    assertThat(layout.sliceStart(7)).isEqualTo(1005);
    assertThat(layout.sliceLength(7)).isEqualTo(3);
    assertThat(layout.hasOthers()).isTrue();
  }

  @Test
  void mapsClassesToGroupsInGroupOrder() {
    GroupLayout layout = GroupLayout.ofSizes(2, 3);
    // classes 0,1 -> group 0; 2,3,4 -> group 1; logits: [o0 c0 c1 | o1 c2 c3 c4]
    assertThat(layout.groupOf(3)).isEqualTo(1);
    assertThat(layout.indexInGroup(3)).isEqualTo(1);
    assertThat(layout.classOf(1, 2)).isEqualTo(4);
    assertThat(layout.logitOf(0)).isEqualTo(1);
    assertThat(layout.logitOf(2)).isEqualTo(4);
    assertThat(layout.logitOf(4)).isEqualTo(6);
  }

  @Test
  void groupLabelsGiveIndexPlusOneInTheTrueGroupAndOthersElsewhere() {
    GroupLayout layout = GroupLayout.ofSizes(2, 3, 1);
    assertThat(layout.groupLabels(0)).containsExactly(1, 0, 0);
    assertThat(layout.groupLabels(4)).containsExactly(0, 3, 0);
    assertThat(layout.groupLabels(5)).containsExactly(0, 0, 1);
  }

  @Test
  void flatLayoutHasOneLogitPerClassAndNoGroupLabels() {
    GroupLayout flat = GroupLayout.flat(10);
    assertThat(flat.isFlat()).isTrue();
    assertThat(flat.numLogits()).isEqualTo(10);
    assertThat(flat.logitOf(7)).isEqualTo(7);
    assertThat(flat.hasOthers()).isFalse();
    assertThatThrownBy(() -> flat.groupLabels(0)).hasMessageContaining("flat layout");
  }

  @Test
  void rejectsSizesThatDoNotMatchTheLogitCount() {
    GroupLayout layout = GroupLayout.ofSizes(398, 521, 9, 7, 52, 8, 1, 2);
    layout.checkLogitCount(1006);
    assertThatThrownBy(() -> layout.checkLogitCount(1008))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "group sizes sum to 998 (+ 8 'others' = 1006 logits) but the model has 1008 logits"
                + " for 8 groups: expected sizes summing to 1000");
    assertThatThrownBy(() -> GroupLayout.flat(1000).checkLogitCount(1008))
        .hasMessage("the flat layout has 1000 classes but the model has 1008 logits");
  }

  @Test
  void rejectsZeroAndNegativeSizes() {
    assertThatThrownBy(() -> GroupLayout.ofSizes(3, 0, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("group 1 has size 0 in [3, 0, 2]: every group needs at least 1 class");
    assertThatThrownBy(() -> GroupLayout.ofSizes(-1)).hasMessageContaining("group 0 has size -1");
    assertThatThrownBy(() -> GroupLayout.ofSizes()).hasMessageContaining("at least one group");
    assertThatThrownBy(() -> GroupLayout.flat(0)).hasMessageContaining("got 0");
  }

  @Test
  void rejectsUnknownGroupsAndIndices() {
    GroupLayout layout = GroupLayout.ofSizes(2, 3);
    assertThatThrownBy(() -> layout.classOf(1, 3))
        .hasMessage("index 3 is outside group 1, which has 3 classes");
    assertThatThrownBy(() -> layout.sliceStart(2))
        .hasMessage("group 2 does not exist; the layout has 2 groups");
    assertThatThrownBy(() -> layout.groupOf(5))
        .hasMessage("class 5 does not exist; the layout has 5 classes");
  }

  @Test
  void explicitMappingKeepsFlatAndGroupPlaces() {
    // flat 0 -> (1,0), flat 1 -> (0,0), flat 2 -> (1,1)
    GroupLayout layout =
        GroupLayout.ofClassMapping(
            new int[] {1, 0, 1}, new int[] {0, 0, 1}, List.of("a", "b", "c"));
    assertThat(layout.groupSizes()).containsExactly(1, 2);
    assertThat(layout.classOf(1, 1)).isEqualTo(2);
    assertThat(layout.classOf(0, 0)).isEqualTo(1);
    assertThat(layout.groupLabels(0)).containsExactly(0, 1);
    // logits: [o0 b | o1 a c]
    assertThat(layout.logitOf(0)).isEqualTo(3);
    assertThat(layout.classNames()).containsExactly("a", "b", "c");
  }

  @Test
  void rejectsDuplicatePlacesGapsAndDuplicateNames() {
    assertThatThrownBy(() -> GroupLayout.ofClassMapping(new int[] {0, 0}, new int[] {1, 1}, null))
        .hasMessage("classes 0 and 1 both sit at (group 0, index 1)");
    assertThatThrownBy(() -> GroupLayout.ofClassMapping(new int[] {0, 2}, new int[] {0, 0}, null))
        .hasMessage("group 1 has no classes (groups must be numbered 0..2 without gaps)");
    assertThatThrownBy(() -> GroupLayout.ofClassMapping(new int[] {0, 0}, new int[] {0, 2}, null))
        .hasMessage(
            "group 0 has 2 classes but indices up to 2: indices in a group must be 0..1 without"
                + " gaps");
    assertThatThrownBy(
            () -> GroupLayout.ofClassMapping(new int[] {0, 0}, new int[] {0, 1}, List.of("x", "x")))
        .hasMessage("class name 'x' is used by classes 0 and 1");
  }

  @Test
  void readsThePapersImageNetClassTable() throws IOException {
    GroupLayout layout =
        GroupLayout.read(TestFixtures.path("scores", "imagenet1k_mos_taxonomy.tsv"));
    assertThat(layout.groupSizes()).containsExactly(PAPER_SIZES);
    assertThat(layout.numLogits()).isEqualTo(1008);
    // first data line of the table: n01440764  448  0  287
    assertThat(layout.classNames().get(448)).isEqualTo("n01440764");
    assertThat(layout.groupOf(448)).isEqualTo(0);
    assertThat(layout.indexInGroup(448)).isEqualTo(287);
    assertThat(layout.classOf(0, 287)).isEqualTo(448);
    assertThat(layout.logitOf(448)).isEqualTo(288);
  }

  @Test
  void readsSizesFromNpyJsonAndText(@TempDir Path dir) throws IOException {
    assertThat(GroupLayout.read(TestFixtures.path("scores", "taxonomy_level0.npy")).groupSizes())
        .containsExactly(PAPER_SIZES);
    Path json = Files.writeString(dir.resolve("sizes.json"), "[3, 1, 2]");
    assertThat(GroupLayout.read(json).groupSizes()).containsExactly(3, 1, 2);
    Path txt = Files.writeString(dir.resolve("sizes.txt"), "3 1\n2\n");
    assertThat(GroupLayout.read(txt).groupSizes()).containsExactly(3, 1, 2);
    assertThat(GroupLayout.ofSizes("4,5").numLogits()).isEqualTo(11);
  }

  @Test
  void rejectsBadLayoutFilesNamingTheFile(@TempDir Path dir) throws IOException {
    Path floats = Files.writeString(dir.resolve("sizes.json"), "[3, 1.5]");
    assertThatThrownBy(() -> GroupLayout.read(floats))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("sizes.json")
        .hasMessageContaining("group size 1 is 1.5, not an integer");
    Path table =
        Files.writeString(
            dir.resolve("t.tsv"),
            "# comment\nwnid\tflat_index\tgroup\tindex_in_group\na\t0\t0\t0\nb\t0\t0\t1\n");
    assertThatThrownBy(() -> GroupLayout.read(table))
        .hasMessageContaining("classes 'a' and 'b' both have flat_index 0");
    Path gap =
        Files.writeString(
            dir.resolve("g.tsv"), "wnid flat_index group index_in_group\na 0 0 0\nb 2 0 1\n");
    assertThatThrownBy(() -> GroupLayout.read(gap))
        .hasMessageContaining("class 'b' has flat_index 2 but the table has 2 classes");
    Path header = Files.writeString(dir.resolve("h.tsv"), "wnid flat group\na 0 0\n");
    assertThatThrownBy(() -> GroupLayout.read(header)).hasMessageContaining("lacks column");
    Path other = Files.writeString(dir.resolve("sizes.yaml"), "- 3");
    assertThatThrownBy(() -> GroupLayout.read(other))
        .hasMessageContaining("unknown layout file type");
  }

  @Test
  void roundTripsThroughJackson() throws IOException {
    ObjectMapper json = new ObjectMapper();
    GroupLayout table =
        GroupLayout.ofClassMapping(
            new int[] {1, 0, 1}, new int[] {0, 0, 1}, List.of("a", "b", "c"));
    String text = json.writeValueAsString(table);
    assertThat(text).contains("\"groupSizes\":[1,2]").contains("\"groupOfClass\":[1,0,1]");
    assertThat(json.readValue(text, GroupLayout.class)).isEqualTo(table);
    GroupLayout plain = GroupLayout.ofSizes(2, 3);
    assertThat(json.writeValueAsString(plain)).isEqualTo("{\"flat\":false,\"groupSizes\":[2,3]}");
    assertThat(json.readValue("{\"flat\":true,\"groupSizes\":[7]}", GroupLayout.class))
        .isEqualTo(GroupLayout.flat(7));
  }
}
