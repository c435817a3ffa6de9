package io.djinn.toolcall;

import java.util.List;
import java.util.function.Supplier;

/**
 * Hermes / Qwen tool calls: {@code <tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>} blocks, anywhere
 * in the content and any number of them. Text outside the blocks is content; whitespace between blocks is not.
 * Inside a block, text between the call's object and {@code </tool_call>} (a stray extra brace, say) is dropped; a
 * block that is never closed ends at the next {@code <tool_call>} or at the end of the output, where that text is
 * content.
 */
final class HermesToolCallParser extends FormatParser<HermesToolCallParser.State> {

    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";
    private static final List<String> CONTENT_MARKERS = List.of(OPEN);
    private static final List<String> AFTER_MARKERS = List.of(CLOSE, OPEN);
    private static final List<String> RECOVER_MARKERS = List.of(CLOSE);

    enum State {
        /** Outside a block. */
        CONTENT,
        /** After {@code <tool_call>}, before the object's '{'. */
        BLOCK,
        /** Inside the call object. */
        OBJECT,
        /** After the object, before {@code </tool_call>}. */
        AFTER_OBJECT,
        /** The announced call's arguments broke: everything up to {@code </tool_call>} is arguments. */
        RECOVER
    }

    /** Whitespace in RECOVER, appended to the arguments only if more arguments text follows it. */
    private final StringBuilder recoverSpace = new StringBuilder();

    HermesToolCallParser(Supplier<String> ids) {
        super(ids, false, State.CONTENT, State.CONTENT, State.OBJECT, State.RECOVER, null);
    }

    @Override
    State afterObject() {
        return State.AFTER_OBJECT;
    }

    @Override
    void closedBefore() {
        out.dropHeld(); // what stood between the arguments and the character was not content
    }

    @Override
    List<String> markers() {
        return switch (state) {
            case CONTENT -> CONTENT_MARKERS;
            case AFTER_OBJECT -> AFTER_MARKERS;
            case RECOVER -> RECOVER_MARKERS;
            default -> List.of();
        };
    }

    @Override
    void plain(char c) {
        switch (state) {
            case CONTENT -> out.content(c);
            case BLOCK -> expectObject(c);
            case OBJECT -> object(feedObject(c), c);
            case AFTER_OBJECT -> out.hold(c);
            case RECOVER -> {
                if (JsonScanner.isSpace(c)) {
                    recoverSpace.append(c);
                } else {
                    out.arguments(recoverSpace.append(c));
                    recoverSpace.setLength(0);
                }
            }
        }
    }

    @Override
    void marker(String marker) {
        if (marker.equals(CLOSE)) {
            // The end of a block; what stood between the object and it was not content.
            out.dropHeld();
            recoverSpace.setLength(0);
            state = State.CONTENT;
        } else {
            // A new block (the previous one, if any, was never closed: its trailing text is content).
            out.releaseHeld();
            out.hold(marker);
            state = State.BLOCK;
        }
    }

    @Override
    void end() {
        out.arguments(recoverSpace);
        recoverSpace.setLength(0);
        super.end();
    }
}
