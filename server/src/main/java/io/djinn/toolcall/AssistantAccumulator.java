package io.djinn.toolcall;

import java.util.ArrayList;
import java.util.List;

/**
 * Adds up a stream of {@link AssistantDelta}s into the {@link AssistantMessage} a client obtains by concatenating
 * what it received. The non-streaming answer is built the same way, so the two can never disagree.
 */
public final class AssistantAccumulator {

    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    private final List<String> ids = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<StringBuilder> arguments = new ArrayList<>();

    public AssistantAccumulator add(AssistantDelta delta) {
        reasoning.append(delta.reasoning());
        content.append(delta.content());
        for (ToolCallDelta call : delta.toolCalls()) {
            if (call.first()) {
                if (call.index() != ids.size()) {
                    throw new IllegalArgumentException("call " + call.index() + " opened out of order");
                }
                ids.add(call.id());
                names.add(call.name());
                arguments.add(new StringBuilder());
            } else if (call.index() >= ids.size()) {
                throw new IllegalArgumentException("arguments for call " + call.index() + " before it opened");
            }
            arguments.get(call.index()).append(call.arguments());
        }
        return this;
    }

    public AssistantMessage message() {
        List<ToolCall> calls = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            calls.add(new ToolCall(ids.get(i), names.get(i), arguments.get(i).toString()));
        }
        return new AssistantMessage(reasoning.toString(), content.toString(), calls);
    }
}
