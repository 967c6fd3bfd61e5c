package org.mos.evaluator.fit;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of {@code mos fit} for the activation-shaping methods and GEN (a mixin). */
final class ShapingFitOptions {

  @Option(
      names = "--react-fit",
      paramLabel = "DIR|LIST",
      description =
          "ID images whose penultimate activations give ReAct's clip value c (the authors: about"
              + " 2,000 ImageNet validation images; OpenOOD: its ID validation split).")
  Path reactFit;

  @Option(
      names = "--react-percentile",
      paramLabel = "P",
      description =
          "Percentile of all N x D activations that becomes c (default 90, numpy linear).")
  Double reactPercentile;

  @Option(
      names = "--react-count",
      paramLabel = "N",
      description =
          "Images taken from the start of --react-fit (default: all; memory N x D floats).")
  Integer reactCount;

  @Option(
      names = "--dice-fit",
      paramLabel = "DIR|LIST",
      description = "ID images whose mean penultimate feature gives DICE's weight contributions.")
  Path diceFit;

  @Option(
      names = "--dice-percentile",
      paramLabel = "P",
      description = "DICE's sparsity percentile stored with the mean (default 70, the authors').")
  Double dicePercentile;

  @Option(
      names = "--gen-gamma",
      paramLabel = "G",
      description = "GEN's gamma the new bundle serves by default (default 0.1).")
  Double genGamma;

  @Option(
      names = "--gen-m",
      paramLabel = "M",
      description = "GEN's M (top probabilities summed) the new bundle serves by default (100).")
  Integer genM;

  @Option(
      names = "--search-id",
      paramLabel = "DIR|LIST",
      description =
          "ID validation images for OpenOOD's automatic parameter search (with --search-ood).")
  Path searchId;

  @Option(
      names = "--search-ood",
      paramLabel = "DIR|LIST",
      description =
          "OOD validation images: each --search-methods method's parameters are chosen by AUROC"
              + " of --search-id against these over OpenOOD's grid; grid and choice are stored.")
  Path searchOod;

  @Option(
      names = "--search-methods",
      split = ",",
      paramLabel = "ID",
      description = "Methods to search (default react,ash-p,ash-b,ash-s,scale,gen).")
  List<String> searchMethods;
}
