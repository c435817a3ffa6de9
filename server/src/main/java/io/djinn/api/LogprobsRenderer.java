package io.djinn.api;

import io.djinn.engine.TokenLogprobs;
import io.djinn.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Turns the engine's per-token log-probabilities into the API's token/bytes/top_logprobs entries. */
final class LogprobsRenderer {

    /** What DeepSeek's reference documents for a log-probability too small to represent. */
    static final double UNLIKELY = -9999.0;

    private final Tokenizer tokenizer;
    private final int topN;

    LogprobsRenderer(Tokenizer tokenizer, int topN) {
        this.tokenizer = tokenizer;
        this.topN = topN;
    }

    List<ChoiceLogprobs.TokenLogprob> render(List<TokenLogprobs> tokens) {
        List<ChoiceLogprobs.TokenLogprob> out = new ArrayList<>(tokens.size());
        for (TokenLogprobs t : tokens) {
            int n = Math.min(topN, t.topIds() == null ? 0 : t.topIds().length);
            List<ChoiceLogprobs.TopLogprob> top = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int id = t.topIds()[i];
                top.add(new ChoiceLogprobs.TopLogprob(text(id), finite(t.topLogprobs()[i]), bytes(id)));
            }
            out.add(new ChoiceLogprobs.TokenLogprob(text(t.tokenId()), finite(t.logprob()), bytes(t.tokenId()), top));
        }
        return out;
    }

    /**
     * The legacy completions shape. {@code offset} is where the first token starts in the choice's text (after an
     * echoed prompt, or after the text of earlier chunks).
     */
    Completion.Logprobs legacy(List<TokenLogprobs> tokens, int offset) {
        List<String> texts = new ArrayList<>(tokens.size());
        List<Double> logprobs = new ArrayList<>(tokens.size());
        List<java.util.Map<String, Double>> top = new ArrayList<>(tokens.size());
        List<Integer> offsets = new ArrayList<>(tokens.size());
        int at = offset;
        for (TokenLogprobs t : tokens) {
            String text = text(t.tokenId());
            texts.add(text);
            logprobs.add(finite(t.logprob()));
            offsets.add(at);
            at += text.length();
            int n = Math.min(topN, t.topIds() == null ? 0 : t.topIds().length);
            java.util.Map<String, Double> alternatives = new java.util.LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                alternatives.putIfAbsent(text(t.topIds()[i]), finite(t.topLogprobs()[i]));
            }
            top.add(alternatives);
        }
        return new Completion.Logprobs(texts, logprobs, top, offsets);
    }

    private String text(int id) {
        // A token holding part of a multi-byte character reads as U+FFFD here; its bytes carry the exact value.
        return new String(tokenizer.tokenBytes(id), StandardCharsets.UTF_8);
    }

    private List<Integer> bytes(int id) {
        byte[] b = tokenizer.tokenBytes(id);
        List<Integer> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(x & 0xff);
        }
        return out;
    }

    private static double finite(float logprob) {
        return Float.isFinite(logprob) ? logprob : UNLIKELY;
    }
}
