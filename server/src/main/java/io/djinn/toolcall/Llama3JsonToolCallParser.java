package io.djinn.toolcall;

import java.util.List;
import java.util.function.Supplier;

/**
 * Llama 3.1/3.2/3.3 JSON tool calls: the output is {@code {"name": "f", "parameters": {...}}} ("arguments" is
 * accepted too), optionally after {@code <|python_tag|>}, several separated by {@code ;}. Only an output that starts
 * (after whitespace) with '{' or the tag is read as calls; anything else is content from there on, as is text after
 * the calls that is not a further call. An object without a parameters/arguments key is not a call here (as in
 * vLLM), so that a JSON answer such as {"name": "Ada", "age": 36} stays content.
 */
final class Llama3JsonToolCallParser extends FormatParser<Llama3JsonToolCallParser.State> {

    static final String PYTHON_TAG = "<|python_tag|>";
    private static final List<String> TAG = List.of(PYTHON_TAG);

    enum State {
        /** The start of the output: whitespace, then '{' or the tag. */
        LEAD,
        /** After the tag: '{' expected. */
        TAGGED,
        /** Inside a call object. */
        OBJECT,
        /** After an object: ';' or the end. */
        AFTER_OBJECT,
        /** After ';': the next object, possibly tagged. */
        NEXT,
        /** The announced call's arguments broke: the rest of the output is arguments. */
        RECOVER,
        /** Not calls: everything is content. */
        CONTENT
    }


    Llama3JsonToolCallParser(Supplier<String> ids) {
        super(ids, true, State.LEAD, State.CONTENT, State.OBJECT, State.RECOVER, State.NEXT);
    }

    @Override
    State afterObject() {
        return State.AFTER_OBJECT;
    }

    @Override
    List<String> markers() {
        return state == State.LEAD || state == State.NEXT ? TAG : List.of();
    }

    @Override
    void plain(char c) {
        switch (state) {
            case LEAD, TAGGED, NEXT -> expectObject(c);
            case OBJECT -> object(feedObject(c), c);
            case AFTER_OBJECT -> {
                if (JsonScanner.isSpace(c)) {
                    out.hold(c);
                } else if (c == ';') {
                    out.hold(c);
                    state = State.NEXT;
                } else {
                    revert(c);
                }
            }
            case RECOVER -> out.arguments(String.valueOf(c));
            case CONTENT -> out.content(c);
        }
    }

    @Override
    void marker(String marker) {
        out.hold(marker);
        state = State.TAGGED;
    }

}
