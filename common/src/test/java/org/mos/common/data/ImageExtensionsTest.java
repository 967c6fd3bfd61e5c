package org.mos.common.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageExtensionsTest {

  @Test
  void acceptsTorchvisionExtensionsInAnyCase() {
    for (String name :
        new String[] {
          "a.jpg", "a.JPEG", "a.Png", "a.ppm", "a.BMP", "a.pgm", "a.tif", "a.TIFF", "a.webp"
        }) {
      assertThat(ImageExtensions.isImage(name)).as(name).isTrue();
    }
  }

  @Test
  void rejectsOtherExtensionsAndNamesThatOnlyContainOne() {
    for (String name : new String[] {"a.gif", "a.png.txt", "jpg", "a.jp", "a.npy", "README"}) {
      assertThat(ImageExtensions.isImage(name)).as(name).isFalse();
    }
  }
}
