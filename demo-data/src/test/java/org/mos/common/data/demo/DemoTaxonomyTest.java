package org.mos.common.data.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoTaxonomyTest {

  private static final DemoTaxonomy TAXONOMY =
      new DemoTaxonomy(
          List.of(
              new DemoTaxonomy.Group("a", List.of("a-x", "a-y")),
              new DemoTaxonomy.Group("b", List.of("b-p", "b-q", "b-r")),
              new DemoTaxonomy.Group("c", List.of("c-z"))));

  @Test
  void flatLabelIsEarlierGroupSizesPlusIndexInGroup() {
    assertThat(TAXONOMY.classNames()).containsExactly("a-x", "a-y", "b-p", "b-q", "b-r", "c-z");
    assertThat(TAXONOMY.groupSizes()).containsExactly(2, 3, 1);
    assertThat(TAXONOMY.groupOf(4)).isEqualTo(1);
    assertThat(TAXONOMY.indexInGroupOf(4)).isEqualTo(2);
    assertThat(TAXONOMY.groupOf(5)).isEqualTo(2);
    assertThat(TAXONOMY.indexInGroupOf(5)).isZero();
    assertThatThrownBy(() -> TAXONOMY.groupOf(6)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void rejectsGroupsWhoseOrderIsNotTheSortedFolderOrder() {
    assertThatThrownBy(
            () ->
                new DemoTaxonomy(
                    List.of(
                        new DemoTaxonomy.Group("tops", List.of("tops-coat")),
                        new DemoTaxonomy.Group("bags", List.of("bags-bag")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be distinct and in sorted order");
  }

  @Test
  void theBuiltInTaxonomiesAreTheDocumentedOnes() {
    assertThat(GeneratedSource.TAXONOMY.groupSizes()).containsExactly(3, 2, 4, 3);
    assertThat(FashionMnistSource.TAXONOMY.groupSizes()).containsExactly(2, 3, 4);
    assertThat(FashionMnistSource.TAXONOMY.classNames())
        .containsExactly(
            "bottoms-dress",
            "bottoms-trouser",
            "footwear-ankle-boot",
            "footwear-sandal",
            "footwear-sneaker",
            "tops-coat",
            "tops-pullover",
            "tops-shirt",
            "tops-t-shirt-top");
  }
}
