package io.djinn.reasoning;

import java.util.Objects;
import java.util.Optional;

/**
 * The markers around a model's reasoning.
 *
 * @param start the text that opens the reasoning ({@code <think>})
 * @param end   the text that closes it ({@code </think>}); an engine enforcing a thinking budget emits this to end it
 */
public record ReasoningSyntax(String start, String end) {

    /** Qwen3, QwQ, DeepSeek R1 and the generated checkpoint. */
    public static final ReasoningSyntax THINK = new ReasoningSyntax("<think>", "</think>");

    public ReasoningSyntax {
        if (Objects.requireNonNull(start, "start").isEmpty() || Objects.requireNonNull(end, "end").isEmpty()) {
            throw new IllegalArgumentException("reasoning markers must not be empty");
        }
    }

    /**
     * The reasoning markers a chat template knows, judged from its source: a template that mentions
     * {@code </think>} (to render or strip past reasoning) has a thinking model; otherwise empty (no reasoning
     * parsing).
     */
    public static Optional<ReasoningSyntax> detect(String chatTemplate) {
        return chatTemplate != null && chatTemplate.contains(THINK.end) ? Optional.of(THINK) : Optional.empty();
    }

    /**
     * Whether a rendered prompt leaves the model inside reasoning: it ends with the start marker, possibly followed
     * by whitespace (DeepSeek R1 and QwQ templates open the block for the model). Then the output starts in
     * reasoning. A start marker earlier in the prompt (quoted by a user, say) does not count.
     */
    public boolean promptOpensReasoning(String renderedPrompt) {
        return renderedPrompt.stripTrailing().endsWith(start);
    }
}
