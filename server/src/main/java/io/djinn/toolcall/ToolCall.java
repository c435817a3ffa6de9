package io.djinn.toolcall;

import java.util.Objects;

/**
 * One complete tool call of an assistant message (OpenAI's {@code type: "function"} is implied).
 *
 * @param id        {@code call_} + 24 alphanumerics, made by the parser when the call started
 * @param name      the function's name
 * @param arguments the arguments as a JSON text, as the model wrote them (not re-serialised, not validated past
 *                  what the parser checks: a call cut by max_tokens or broken mid-arguments keeps a partial text)
 */
public record ToolCall(String id, String name, String arguments) {

    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }
}
