package io.djinn.toolcall;

import io.djinn.reasoning.ReasoningParser;
import java.util.Objects;

/**
 * The whole output parsing of one choice: reasoning first, then tool calls in what is left (the content). One
 * instance per choice, fed with the detokenized text deltas in order. The non-streaming message is
 * {@link #parseAll}, which is nothing but feeding the whole text and accumulating, so it is the streamed message.
 */
public final class AssistantOutputParser {

    private final ReasoningParser reasoning;
    private final ToolCallParser toolCalls;

    public AssistantOutputParser(ReasoningParser reasoning, ToolCallParser toolCalls) {
        this.reasoning = Objects.requireNonNull(reasoning, "reasoning");
        this.toolCalls = Objects.requireNonNull(toolCalls, "toolCalls");
    }

    /** Everything to content: a model without reasoning markers, a request without tools. */
    public static AssistantOutputParser passThrough() {
        return new AssistantOutputParser(ReasoningParser.passThrough(), ToolCallParser.passThrough());
    }

    public AssistantDelta feed(String text) {
        ReasoningParser.Split split = reasoning.feed(text);
        return toolCalls.feed(split.content()).withReasoning(split.reasoning());
    }

    /** The output ended (stop, length, stop string): releases or drops what was held back. */
    public AssistantDelta finish() {
        ReasoningParser.Split split = reasoning.finish();
        AssistantDelta last = toolCalls.feed(split.content()).plus(toolCalls.finish());
        return last.withReasoning(split.reasoning());
    }

    /** Whether the output is inside the reasoning now (for a thinking budget: see {@link ReasoningParser}). */
    public boolean inReasoning() {
        return reasoning.inReasoning();
    }

    /** Characters of reasoning produced so far. */
    public int reasoningChars() {
        return reasoning.reasoningChars();
    }

    /** Calls announced so far. */
    public int toolCallCount() {
        return toolCalls.callCount();
    }

    /**
     * Reads a complete output with this (fresh) parser: the non-streaming message, which is exactly what a client
     * accumulates from the stream.
     */
    public AssistantMessage parseAll(String text) {
        return new AssistantAccumulator().add(feed(text)).add(finish()).message();
    }
}
