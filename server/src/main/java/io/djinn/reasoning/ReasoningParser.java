package io.djinn.reasoning;

import io.djinn.common.HeldMarker;
import java.util.List;

/**
 * Splits the streamed output of one choice into reasoning and content. One instance per choice; not thread-safe.
 *
 * <p>Reasoning is the text between the start and end markers. Where it starts depends on the prompt: if the prompt
 * opened the block ({@link ReasoningSyntax#promptOpensReasoning}), the output is reasoning until the end marker (a
 * start marker repeated at its very beginning, after optional whitespace, is dropped); otherwise the output is
 * reasoning only if its first characters are the start marker. After the end marker everything is content, markers included.
 * Newlines right after the start marker, right before the end marker and right after it are dropped (the Qwen3
 * template strips them when it renders the message back, so a conversation re-renders to the same text). An output
 * that ends inside the reasoning (cut by max_tokens) is reasoning to its last character.
 *
 * <p>Text that may be the beginning of a marker is held back until it is decided, so a marker split across deltas
 * never leaks; the decisions are taken character by character, so any chunking gives the same final text.
 */
public final class ReasoningParser {

    /** What a step adds: reasoning text and content text (either may be empty). */
    public record Split(String reasoning, String content) {
        public static final Split EMPTY = new Split("", "");
    }

    private enum State {
        /** The output's start, reasoning not opened by the prompt: whitespace and a possible start marker held. */
        LEAD,
        /** The output's start, reasoning opened by the prompt: whitespace and a possibly repeated start marker. */
        OPENED,
        /** Inside the reasoning. */
        REASONING,
        /** Just after the end marker: newlines are dropped. */
        AFTER,
        /** Content: everything passes. */
        CONTENT
    }

    private final ReasoningSyntax syntax;
    private State state;
    /** Leading whitespace (LEAD, OPENED) and the marker prefix that follows it. */
    private final StringBuilder leadSpace = new StringBuilder();
    private final HeldMarker partialMarker = new HeldMarker();
    private final List<String> startMarker;
    private final List<String> endMarker;
    /** Newlines inside the reasoning, held until something other than the end marker follows them. */
    private int pendingNewlines;
    private boolean reasoningBegun;
    private int reasoningChars;
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder content = new StringBuilder();

    private ReasoningParser(ReasoningSyntax syntax, State initial) {
        this.syntax = syntax;
        this.state = initial;
        this.startMarker = syntax == null ? List.of() : List.of(syntax.start());
        this.endMarker = syntax == null ? List.of() : List.of(syntax.end());
    }

    /**
     * @param promptOpensReasoning the rendered prompt ends inside an open reasoning block (mode a); else the output
     *                             is reasoning only if it starts with the start marker (mode b)
     */
    public static ReasoningParser create(ReasoningSyntax syntax, boolean promptOpensReasoning) {
        return new ReasoningParser(syntax, promptOpensReasoning ? State.OPENED : State.LEAD);
    }

    /** For a model without reasoning markers: everything is content. */
    public static ReasoningParser passThrough() {
        return new ReasoningParser(null, State.CONTENT);
    }

    /** The markers, or null for a pass-through parser. */
    public ReasoningSyntax syntax() {
        return syntax;
    }

    /**
     * Whether the output is inside the reasoning after what was fed so far (the start of an output whose prompt
     * opened the block counts). An engine enforcing a thinking budget counts tokens while this holds and, when the
     * budget is spent, makes the model emit {@link ReasoningSyntax#end()}.
     */
    public boolean inReasoning() {
        return state == State.OPENED || state == State.REASONING;
    }

    /** Characters of reasoning released so far. */
    public int reasoningChars() {
        return reasoningChars;
    }

    public Split feed(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (state == State.CONTENT) {
                content.append(text, i, text.length());
                break;
            }
            step(text.charAt(i));
        }
        return drain();
    }

    /** The output ended: held text is released (inside the reasoning, as reasoning). */
    public Split finish() {
        switch (state) {
            case LEAD -> content.append(leadSpace).append(partialMarker.take());
            case OPENED -> {
                String held = leadSpace.toString() + partialMarker.take();
                for (int i = 0; i < held.length(); i++) {
                    reasoningText(held.charAt(i));
                }
            }
            case REASONING -> {
                String held = partialMarker.take();
                for (int i = 0; i < held.length(); i++) {
                    reasoningText(held.charAt(i));
                }
                reasoning.repeat('\n', pendingNewlines);
                reasoningChars += pendingNewlines;
            }
            default -> {}
        }
        leadSpace.setLength(0);
        pendingNewlines = 0;
        state = State.CONTENT;
        return drain();
    }

    private void step(char c) {
        switch (state) {
            case LEAD, OPENED -> lead(c);
            case REASONING -> reasoning(c);
            case AFTER -> {
                if (c != '\n') {
                    state = State.CONTENT;
                    content.append(c);
                }
            }
            case CONTENT -> content.append(c);
        }
    }

    /**
     * At the output's start: the start marker or anything else. Leading whitespace is skipped only where the prompt
     * opened the block; otherwise a reasoning block must open the output at its first character (as the thinking
     * budget sees it, and as vLLM's parsers do), so that a model answering with whitespace is not held back.
     */
    private void lead(char c) {
        if (state == State.OPENED && partialMarker.isEmpty() && Character.isWhitespace(c)) {
            leadSpace.append(c);
            return;
        }
        HeldMarker.Outcome outcome = partialMarker.offer(c, startMarker);
        if (outcome == HeldMarker.Outcome.MATCHED) {
            leadSpace.setLength(0);
            state = State.REASONING;
            return;
        }
        if (outcome == HeldMarker.Outcome.HELD) {
            return;
        }
        // Anything else at the start (not even a marker's first character, or a prefix that broke) decides it.
        String held = leadSpace + (outcome == HeldMarker.Outcome.PLAIN ? String.valueOf(c) : partialMarker.take());
        leadSpace.setLength(0);
        if (state == State.LEAD) {
            state = State.CONTENT;
            content.append(held);
        } else {
            // The prompt opened the reasoning and this is its first text: read it as reasoning (it may hold the
            // end marker already).
            state = State.REASONING;
            for (int i = 0; i < held.length(); i++) {
                step(held.charAt(i));
            }
        }
    }

    /** Inside the reasoning: looks for the end marker, holding back a prefix of it. */
    private void reasoning(char c) {
        switch (partialMarker.offer(c, endMarker)) {
            case PLAIN -> reasoningText(c);
            case HELD -> {}
            case MATCHED -> {
                pendingNewlines = 0;
                state = State.AFTER;
            }
            case BROKEN -> partialMarker.release(this::reasoningText, this::step);
        }
    }

    /** A character of reasoning: leading newlines dropped, trailing ones held until more text follows. */
    private void reasoningText(char c) {
        if (c == '\n') {
            if (reasoningBegun) {
                pendingNewlines++;
            }
            return;
        }
        reasoning.repeat('\n', pendingNewlines).append(c);
        reasoningChars += pendingNewlines + 1;
        pendingNewlines = 0;
        reasoningBegun = true;
    }

    private Split drain() {
        if (reasoning.isEmpty() && content.isEmpty()) {
            return Split.EMPTY;
        }
        Split split = new Split(reasoning.toString(), content.toString());
        reasoning.setLength(0);
        content.setLength(0);
        return split;
    }
}
