package io.djinn.toolcall;

import java.util.ArrayList;
import java.util.List;

/**
 * What one step of the output parsers adds to the assistant message, in the shape of an OpenAI streaming delta.
 * Empty strings mean nothing new (the API layer decides between omitting a field and sending null). Adding up the
 * deltas of a stream with {@link AssistantAccumulator} gives the non-streaming message: both paths are the same code.
 *
 * @param reasoning  new reasoning text ({@code reasoning_content})
 * @param content    new content text
 * @param toolCalls  new tool-call pieces, in order, at most one per index
 */
public record AssistantDelta(String reasoning, String content, List<ToolCallDelta> toolCalls) {

    public static final AssistantDelta EMPTY = new AssistantDelta("", "", List.of());

    public AssistantDelta {
        toolCalls = List.copyOf(toolCalls);
    }

    public boolean isEmpty() {
        return reasoning.isEmpty() && content.isEmpty() && toolCalls.isEmpty();
    }

    public AssistantDelta withReasoning(String text) {
        return new AssistantDelta(text, content, toolCalls);
    }

    /**
     * This delta followed by {@code next}, as one delta: texts are concatenated and the pieces of a call that both
     * carry are merged, so accumulating the result is the same as accumulating both.
     */
    public AssistantDelta plus(AssistantDelta next) {
        if (isEmpty()) {
            return next;
        }
        if (next.isEmpty()) {
            return this;
        }
        List<ToolCallDelta> calls = new ArrayList<>(toolCalls);
        for (ToolCallDelta call : next.toolCalls) {
            ToolCallDelta last = calls.isEmpty() ? null : calls.getLast();
            if (last != null && last.index() == call.index() && !call.first()) {
                calls.set(calls.size() - 1, new ToolCallDelta(last.index(), last.id(), last.name(),
                        last.arguments() + call.arguments()));
            } else {
                calls.add(call);
            }
        }
        return new AssistantDelta(reasoning + next.reasoning, content + next.content, calls);
    }
}
