package org.mos.scorer.rest;

import java.util.List;
import org.mos.common.bundle.BundleManifest;
import org.mos.scorer.service.LoadedModel;

/**
 * What GET /v1/models tells about one model. {@code ready} is false for a bundle that failed to
 * load (then only {@code name}, {@code ready} and {@code error} are set); {@code error} also
 * explains a ready model whose changed bundle failed to load (its previous version is served).
 */
public record ModelInfo(
    String name,
    boolean ready,
    String error,
    String architecture,
    Integer inputSize,
    Integer classes,
    List<Integer> groupSizes,
    List<String> outputs,
    List<String> methods,
    List<String> calibratedMethods,
    String device,
    String checksum) {

  static ModelInfo of(LoadedModel m, String reloadError) {
    BundleManifest b = m.model().manifest();
    return new ModelInfo(
        m.name(),
        true,
        reloadError == null
            ? null
            : "its changed bundle failed to load (the previous version is served): " + reloadError,
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

  static ModelInfo failed(String name, String reason) {
    return new ModelInfo(
        name,
        false,
        "the bundle failed to load: " + reason,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }
}
