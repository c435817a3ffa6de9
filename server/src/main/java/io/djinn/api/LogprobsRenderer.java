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
