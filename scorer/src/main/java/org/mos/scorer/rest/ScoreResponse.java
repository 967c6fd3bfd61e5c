package org.mos.scorer.rest;

import java.util.List;
import java.util.Map;
import org.mos.common.inference.ImageResult;

/**
 * The body of a score response.
 *
 * @param model the model's name
 * @param images one result per image, in request order
 * @param decisionsOmitted method -> why no calibrated decision is given
 */
public record ScoreResponse(
    String model, List<ImageResult> images, Map<String, String> decisionsOmitted) {}
