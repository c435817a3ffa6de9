package io.djinn.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.ApiException;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.SamplingParams;
import io.djinn.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampling fields every generating endpoint shares (OpenAI's, with vLLM's extras), and the one mapping from
 * them to the engine's {@link SamplingParams}, as vLLM keeps {@code to_sampling_params} on its request types. A
 * request record implements it by having these components (null = not sent); an endpoint whose names differ (say
 * {@code max_output_tokens}) answers them from its own fields. Each value resolves as: what the user sent → the
 * model's {@code generation_config.json} default (temperature, top_p, top_k) → OpenAI's default.
 */
public interface SamplingRequest {

    Double temperature();

    Double topP();

    Integer topK();

    Double minP();

    Double presencePenalty();

    Double frequencyPenalty();

    Double repetitionPenalty();

    Map<String, Double> logitBias();

    Boolean logprobs();

    Integer topLogprobs();

    Long seed();

    /** A string or an array of strings. */
    JsonNode stop();

    List<Integer> stopTokenIds();

    Boolean includeStopStrInOutput();

    Boolean ignoreEos();

    Integer minTokens();

    List<String> badWords();

    Boolean skipSpecialTokens();

    Boolean spacesBetweenSpecialTokens();

    Integer truncatePromptTokens();

    String serviceTier();

    /** The output-length limit the user asked for, or null. */
    Integer requestedMaxTokens();

    /** The name of the parameter {@link #requestedMaxTokens} came from, for error messages. */
    String maxTokensParam();

    /** How many independent choices ({@code n}). */
    int choices();

    /** {@code top_logprobs}, 0 when not sent. */
    default int topLogprobsOrZero() {
        return topLogprobs() != null ? topLogprobs() : 0;
    }

    /**
     * The engine's parameters for choice 0 of this request on this model.
     *
     * @param maxTokens the output length already resolved against the context window and the per-model cap
     * @param shaping   the request's output plan (its grammar constraint; Mistral's markup needs special tokens)
     * @throws ApiException a 400 naming the parameter for a token id outside the vocabulary or a blank bad word
     */
    default SamplingParams toSamplingParams(ServedModel model, int maxTokens, OutputPlan shaping) {
        Tokenizer tokenizer = model.tokenizer();
        // Ids the model can produce and the tokenizer can spell.
        int vocab = Math.min(tokenizer.vocabSize(), model.config().vocabSize());
        GenerationConfig gen = model.generationConfig();
        double temperature = temperature() != null ? temperature()
                : gen.temperature() != null ? gen.temperature() : 1.0;
        double topP = topP() != null ? topP() : gen.topP() != null ? gen.topP() : 1.0;
        int topK = topK() != null ? topK() : gen.topK() != null ? gen.topK() : 0;
        return SamplingParams.builder().temperature(temperature).topP(topP).topK(topK)
                .minP(orZero(minP())).presencePenalty(orZero(presencePenalty()))
                .frequencyPenalty(orZero(frequencyPenalty()))
                .repetitionPenalty(repetitionPenalty() != null ? repetitionPenalty() : 1.0)
                .logitBias(logitBiasIds(vocab)).badWords(badWordIds(tokenizer))
                .minTokens(minTokens() != null ? minTokens() : 0)
                .seed(seed()).maxTokens(maxTokens).eosTokenIds(gen.eosTokenIds())
                .stopTokenIds(stopTokenIdArray(vocab)).ignoreEos(Boolean.TRUE.equals(ignoreEos()))
                .logprobs(Boolean.TRUE.equals(logprobs()) ? topLogprobsOrZero() : -1).stop(stopStrings())
                .includeStopStrInOutput(Boolean.TRUE.equals(includeStopStrInOutput()))
                .skipSpecialTokens(!Boolean.FALSE.equals(skipSpecialTokens()) && !shaping.keepsSpecialTokens())
                .constraint(shaping.constraint(gen.eosTokenIds()))
                .spacesBetweenSpecialTokens(!Boolean.FALSE.equals(spacesBetweenSpecialTokens())).build();
    }

    /**
     * One entry per choice, differing only in their seed: choice i of a seeded request samples with seed + i, so
     * choice 0 is what the same request with n = 1 gives, and every choice is reproducible on its own.
     */
    default List<SamplingParams> choiceParams(SamplingParams base) {
        List<SamplingParams> out = new ArrayList<>();
        for (int i = 0; i < choices(); i++) {
            out.add(i == 0 || seed() == null ? base : base.toBuilder().seed(choiceSeed(seed(), i)).build());
        }
        return out;
    }

    static long choiceSeed(long seed, int choice) {
        return seed + choice;
    }

    private static double orZero(Double v) {
        return v != null ? v : 0.0;
    }

    private List<String> stopStrings() {
        JsonNode stop = stop();
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        List<String> out = new ArrayList<>();
        stop.forEach(s -> out.add(s.asText()));
        return out;
    }

    private Map<Integer, Float> logitBiasIds(int vocab) {
        if (logitBias() == null) {
            return Map.of();
        }
        Map<Integer, Float> out = new HashMap<>();
        for (var e : logitBias().entrySet()) {
            int id = Integer.parseInt(e.getKey());
            if (id >= vocab) {
                throw ApiException.invalidParam("logit_bias", "'logit_bias' has token id " + id
                        + ", outside the vocabulary [0, " + vocab + ").");
            }
            out.put(id, e.getValue().floatValue());
        }
        return out;
    }

    private int[] stopTokenIdArray(int vocab) {
        if (stopTokenIds() == null) {
            return new int[0];
        }
        int[] out = new int[stopTokenIds().size()];
        for (int i = 0; i < out.length; i++) {
            int id = stopTokenIds().get(i);
            if (id >= vocab) {
                throw ApiException.invalidParam("stop_token_ids", "'stop_token_ids' has token id " + id
                        + ", outside the vocabulary [0, " + vocab + ").");
            }
            out[i] = id;
        }
        return out;
    }

    /**
     * vLLM's tokenization of bad words: each word as written (leading spaces stripped) and, when that gives a
     * different first token of the same length, with one leading space, so the word is banned at the start of the
     * text and after a space alike.
     */
    private List<int[]> badWordIds(Tokenizer tokenizer) {
        if (badWords() == null) {
            return List.of();
        }
        List<int[]> out = new ArrayList<>();
        for (String word : badWords()) {
            String bare = word.stripLeading();
            if (bare.isEmpty()) {
                throw ApiException.invalidParam("bad_words", "'bad_words' holds a word that is only whitespace.");
            }
            int[] plain = tokenizer.encode(bare);
            out.add(plain);
            int[] spaced = tokenizer.encode(" " + bare);
            if (spaced.length == plain.length && spaced[0] != plain[0]) {
                out.add(spaced);
            }
        }
        return out;
    }
}
