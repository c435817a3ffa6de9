package io.djinn.engine;

import java.util.Arrays;

/**
 * How one sequence picks its next token.
 *
 * @param temperature 0 (or below {@link #GREEDY_BELOW}) means greedy
 * @param topK        0 or negative means no top-k cut
 * @param seed        seeds this sequence's own random generator, so its draws do not depend on what else is batched
 * @param stopTokenIds ids that end the sequence (EOS from generation_config.json) unless {@code ignoreEos}
 */
public record SamplingParams(double temperature, double topP, int topK, Long seed, int maxTokens, int[] stopTokenIds,
        boolean ignoreEos) {

    public static final double GREEDY_BELOW = 1e-5;

    public SamplingParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1");
        }
        stopTokenIds = stopTokenIds.clone();
    }

    public boolean greedy() {
        return temperature < GREEDY_BELOW;
    }

    public boolean isStopToken(int token) {
        if (ignoreEos) {
            return false;
        }
        for (int id : stopTokenIds) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SamplingParams[temperature=" + temperature + ", topP=" + topP + ", topK=" + topK + ", seed=" + seed
                + ", maxTokens=" + maxTokens + ", stopTokenIds=" + Arrays.toString(stopTokenIds) + "]";
    }
}
