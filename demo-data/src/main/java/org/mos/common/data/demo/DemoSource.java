package org.mos.common.data.demo;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Where the images of a demo benchmark come from. Every image is a pure function of the source's
 * seed and the image's place (split, class, index), so images can be made in any order, in
 * parallel, and come out the same.
 */
interface DemoSource {

  /** The source's id as the command line names it. */
  String id();

  /** The class taxonomy of the in-distribution classes. */
  DemoTaxonomy taxonomy();

  /** How many images class {@code flat} has in {@code split}. */
  int count(DemoSplit split, int flat);

  /** The names of the OOD sets, near ones first. */
  List<String> oodSets();

  /** How many images the OOD set has. */
  int oodCount(String set);

  /** Image {@code index} of class {@code flat} in {@code split}. */
  BufferedImage image(DemoSplit split, int flat, int index);

  /** Image {@code index} of an OOD set. */
  BufferedImage oodImage(String set, int index);

  /** Markdown paragraphs for the benchmark's README: what the classes and OOD sets are. */
  String describe();
}
