package io.djinn.engine;

/**
 * The log-probability of a generated token and of the most likely alternatives at that step; {@link Sampler}
 * documents which distribution they are taken from.
 *
 * @param topIds      the {@code n} most likely token ids, most likely first
 * @param topLogprobs their log-probabilities
 */
public record TokenLogprobs(int tokenId, float logprob, int[] topIds, float[] topLogprobs) {}
