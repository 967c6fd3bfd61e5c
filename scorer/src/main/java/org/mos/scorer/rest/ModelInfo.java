package org.mos.scorer.rest;

import java.util.List;
import org.mos.common.bundle.BundleManifest;
import org.mos.scorer.service.LoadedModel;

/** What GET /v1/models tells about one model. */
public record ModelInfo(
    String name,
    String architecture,
    int inputSize,
    int classes,
    List<Integer> groupSizes,
    List<String> outputs,
    List<String> methods,
    List<String> calibratedMethods,
    String device,
    String checksum) {

  static ModelInfo of(LoadedModel m) {
    BundleManifest b = m.model().manifest();
    return new ModelInfo(
        m.name(),
        b.architecture(),
        b.inputSize(),
        b.classNames().size(),
        b.groupSizes(),
        b.outputs(),
        m.scorer().methods(),
        m.scorer().methods().stream().filter(m.scorer().calibration()::has).toList(),
        m.model().device().id(),
        m.model().checksum());
  }
}
