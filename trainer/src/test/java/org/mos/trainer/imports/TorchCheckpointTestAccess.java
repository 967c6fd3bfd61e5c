package org.mos.trainer.imports;

import java.nio.file.Path;

/** Gives tests in other packages the export fixtures' paths. */
public final class TorchCheckpointTestAccess {
  private TorchCheckpointTestAccess() {}

  public static Path fixture(String name) {
    return TorchCheckpointTest.fixture(name);
  }
}
