package io.djinn.toolcall;

import java.util.List;
import java.util.function.Supplier;

/**
 * Mistral tool calls: {@code [TOOL_CALLS]} followed by a JSON array of call objects (or a single object). The marker
 * is an added token, so the engine must keep it in the text (vLLM turns off skip_special_tokens for this format).
 * Text before the marker is content, as is text after the array.
 */
final class MistralToolCallParser extends FormatParser<MistralToolCallParser.State> {

    static final String MARKER = "[TOOL_CALLS]";
    private static final List<String> CONTENT_MARKERS = List.of(MARKER);

    enum State {
        /** Outside the calls. */
        CONTENT,
        /** After the marker: '[' or '{' expected. */
        OPENED,
        /** After '[': a call or ']'. */
        LIST,
        /** Inside a call object. */
        OBJECT,
        /** After an object in the list: ',' or ']'. */
        AFTER_OBJECT,
        /** After ',': the next object. */
        NEXT,
        /** The announced call's arguments broke: the rest of the output is arguments. */
        RECOVER
    }

    private boolean inList;

    MistralToolCallParser(Supplier<String> ids) {
        super(ids, false, State.CONTENT, State.CONTENT, State.OBJECT, State.RECOVER, State.NEXT);
    }

    @Override
    State afterObject() {
        return inList ? State.AFTER_OBJECT : State.CONTENT;
    }

    @Override
    List<String> markers() {
        return state == State.CONTENT ? CONTENT_MARKERS : List.of();
    }

    @Override
    void plain(char c) {
        switch (state) {
            case CONTENT -> out.content(c);
            case OPENED -> {
                if (c == '[') {
                    out.hold(c);
                    inList = true;
                    state = State.LIST;
                } else {
                    if (c == '{') {
                        inList = false;
                    }
                    expectObject(c);
                }
            }
            case LIST, NEXT -> {
                if (c == ']' && state == State.LIST) {
                    out.dropHeld();
                    state = State.CONTENT;
                } else {
                    expectObject(c);
                }
            }
            case OBJECT -> object(feedObject(c), c);
            case AFTER_OBJECT -> {
                if (JsonScanner.isSpace(c)) {
                    out.hold(c);
                } else if (c == ',') {
                    out.hold(c);
                    state = State.NEXT;
                } else if (c == ']') {
                    out.dropHeld();
                    state = State.CONTENT;
                } else {
                    revert(c);
                }
            }
            case RECOVER -> out.arguments(String.valueOf(c));
        }
    }

    @Override
    void marker(String marker) {
        out.hold(marker);
        state = State.OPENED;
    }

}
