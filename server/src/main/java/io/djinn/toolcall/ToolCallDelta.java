package io.djinn.toolcall;

/**
 * A piece of one tool call in OpenAI's streaming shape: the first delta of a call carries its id and name (and
 * arguments "" or their first fragment); later ones carry only the index and the next arguments fragment. The
 * concatenated fragments are the call's final arguments.
 *
 * @param index     the call's position in the message, from 0
 * @param id        the call's id on its first delta, else null
 * @param name      the function's name on the call's first delta, else null
 * @param arguments the next fragment of the arguments text, possibly empty
 */
public record ToolCallDelta(int index, String id, String name, String arguments) {

    /** Whether this delta opens the call (then id and name are set, and the type is "function"). */
    public boolean first() {
        return id != null;
    }
}
