package org.mos.common.data.demo;

/** The in-distribution parts of a demo benchmark, each a folder of the same name. */
public enum DemoSplit {
  TRAIN("train"),
  VAL("val"),
  TEST("test");

  private final String folder;

  DemoSplit(String folder) {
    this.folder = folder;
  }

  /** The folder name ({@code train}, {@code val}, {@code test}). */
  public String folder() {
    return folder;
  }
}
