package io.djinn.engine;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How one sequence picks its next tokens and when it stops, with vLLM's meanings. Built with {@link #builder()}.
 *
 * @param temperature       0 (or below {@link #GREEDY_BELOW}) means greedy
 * @param topP              nucleus mass in (0, 1]
 * @param topK              0 or negative means no top-k cut
 * @param minP              drop tokens whose probability is below minP times the top token's; 0 is off
 * @param presencePenalty   subtracted once from the logit of every token already generated
 * @param frequencyPenalty  subtracted from a token's logit per time it was generated
 * @param repetitionPenalty divides positive (multiplies negative) logits of tokens seen in prompt or output; 1 is off
 * @param logitBias         token id → bias added to its logit
 * @param badWords          token sequences that must never be generated (the last token is banned once the rest
 *                          has been generated)
 * @param minTokens         EOS and stop token ids are masked out until this many tokens were generated
 * @param seed              seeds this sequence's own random generator, so its draws do not depend on what else is
 *                          batched
 * @param maxTokens         output tokens at most
 * @param eosTokenIds       ids that end the sequence (from generation_config.json) unless {@code ignoreEos}
 * @param stopTokenIds      further ids that end the sequence (request's stop_token_ids), even with ignoreEos
 * @param ignoreEos         keep generating past EOS
 * @param logprobs          -1: none; 0..20: the chosen token's logprob plus this many top alternatives
 * @param stop              stop strings, matched on the decoded text across token boundaries
 * @param includeStopStrInOutput keep the matched stop string in the output
 * @param skipSpecialTokens leave special tokens out of the decoded text
 * @param spacesBetweenSpecialTokens put a space between adjacent special tokens in the decoded text
 * @param constraint        makes each sequence's own {@link TokenConstraint} (structured output), or null
 */
public record SamplingParams(double temperature, double topP, int topK, double minP, double presencePenalty,
        double frequencyPenalty, double repetitionPenalty, Map<Integer, Float> logitBias, List<int[]> badWords,
        int minTokens, Long seed, int maxTokens, int[] eosTokenIds, int[] stopTokenIds, boolean ignoreEos,
        int logprobs, List<String> stop, boolean includeStopStrInOutput, boolean skipSpecialTokens,
        boolean spacesBetweenSpecialTokens, java.util.function.Supplier<TokenConstraint> constraint) {

    public static final double GREEDY_BELOW = 1e-5;

    public SamplingParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1");
        }
        logitBias = Map.copyOf(logitBias);
        badWords = badWords.stream().map(int[]::clone).toList();
        eosTokenIds = eosTokenIds.clone();
        stopTokenIds = stopTokenIds.clone();
        stop = List.copyOf(stop);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().temperature(temperature).topP(topP).topK(topK).minP(minP)
                .presencePenalty(presencePenalty).frequencyPenalty(frequencyPenalty)
                .repetitionPenalty(repetitionPenalty).logitBias(logitBias).badWords(badWords).minTokens(minTokens)
                .seed(seed).maxTokens(maxTokens).eosTokenIds(eosTokenIds).stopTokenIds(stopTokenIds)
                .ignoreEos(ignoreEos).logprobs(logprobs).stop(stop).includeStopStrInOutput(includeStopStrInOutput)
                .skipSpecialTokens(skipSpecialTokens).spacesBetweenSpecialTokens(spacesBetweenSpecialTokens)
                .constraint(constraint);
    }

    public boolean greedy() {
        return temperature < GREEDY_BELOW;
    }

    /** Whether generating this token ends the sequence (EOS unless ignored, or a requested stop token id). */
    public boolean isStopToken(int token) {
        return (!ignoreEos && contains(eosTokenIds, token)) || contains(stopTokenIds, token);
    }

    private static boolean contains(int[] ids, int token) {
        for (int id : ids) {
            if (id == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "SamplingParams[temperature=" + temperature + ", topP=" + topP + ", topK=" + topK + ", minP=" + minP
                + ", presencePenalty=" + presencePenalty + ", frequencyPenalty=" + frequencyPenalty
                + ", repetitionPenalty=" + repetitionPenalty + ", logitBias=" + logitBias + ", badWords="
                + badWords.size() + ", minTokens=" + minTokens + ", seed=" + seed + ", maxTokens=" + maxTokens
                + ", eosTokenIds=" + Arrays.toString(eosTokenIds) + ", stopTokenIds=" + Arrays.toString(stopTokenIds)
                + ", ignoreEos=" + ignoreEos + ", logprobs=" + logprobs + ", stop=" + stop.size() + " strings"
                + (constraint != null ? ", constrained" : "") + "]";
    }

    /** Defaults are the no-op values: sampling at temperature 1 with nothing else applied. */
    public static final class Builder {
        private double temperature = 1.0;
        private double topP = 1.0;
        private int topK = 0;
        private double minP = 0.0;
        private double presencePenalty = 0.0;
        private double frequencyPenalty = 0.0;
        private double repetitionPenalty = 1.0;
        private Map<Integer, Float> logitBias = Map.of();
        private List<int[]> badWords = List.of();
        private int minTokens = 0;
        private Long seed;
        private int maxTokens = 16;
        private int[] eosTokenIds = new int[0];
        private int[] stopTokenIds = new int[0];
        private boolean ignoreEos;
        private int logprobs = -1;
        private List<String> stop = List.of();
        private boolean includeStopStrInOutput;
        private boolean skipSpecialTokens = true;
        private boolean spacesBetweenSpecialTokens = true;
        private java.util.function.Supplier<TokenConstraint> constraint;

        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder minP(double v) { minP = v; return this; }
        public Builder presencePenalty(double v) { presencePenalty = v; return this; }
        public Builder frequencyPenalty(double v) { frequencyPenalty = v; return this; }
        public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
        public Builder logitBias(Map<Integer, Float> v) { logitBias = v; return this; }
        public Builder badWords(List<int[]> v) { badWords = v; return this; }
        public Builder minTokens(int v) { minTokens = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder eosTokenIds(int[] v) { eosTokenIds = v; return this; }
        public Builder stopTokenIds(int[] v) { stopTokenIds = v; return this; }
        public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }
        public Builder logprobs(int v) { logprobs = v; return this; }
        public Builder stop(List<String> v) { stop = v; return this; }
        public Builder includeStopStrInOutput(boolean v) { includeStopStrInOutput = v; return this; }
        public Builder skipSpecialTokens(boolean v) { skipSpecialTokens = v; return this; }
        public Builder spacesBetweenSpecialTokens(boolean v) { spacesBetweenSpecialTokens = v; return this; }
        public Builder constraint(java.util.function.Supplier<TokenConstraint> v) { constraint = v; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topP, topK, minP, presencePenalty, frequencyPenalty,
                    repetitionPenalty, logitBias, badWords, minTokens, seed, maxTokens, eosTokenIds, stopTokenIds,
                    ignoreEos, logprobs, stop, includeStopStrInOutput, skipSpecialTokens, spacesBetweenSpecialTokens,
                    constraint);
        }
    }
}
