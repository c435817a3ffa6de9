package io.djinn.tokenizer;

import java.time.Duration;

/**
 * How much work one rendering of a chat template may do. A template is a program (a request's own
 * {@code chat_template}, or a model's template fed request data), so its output, its steps (nodes rendered, loop
 * iterations, expressions evaluated) and its wall time are all bounded; past any of them the rendering fails with a
 * {@link ChatTemplateException} that states the limit.
 *
 * @param maxOutputChars characters of output (and of any one string built on the way) at most
 * @param maxSteps       nodes rendered + loop iterations + expressions evaluated at most
 * @param timeout        wall time at most; the rendering thread is abandoned (interrupted) past it
 */
public record TemplateLimits(long maxOutputChars, long maxSteps, Duration timeout) {

    /** Generous for every real template (a 2,048-message chat with 128 tools takes well under 1% of each). */
    public static final TemplateLimits DEFAULT = new TemplateLimits(4_000_000, 5_000_000, Duration.ofSeconds(5));

    public TemplateLimits {
        if (maxOutputChars < 1 || maxSteps < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("template limits must be positive");
        }
    }
}
