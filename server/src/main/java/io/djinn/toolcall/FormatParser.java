package io.djinn.toolcall;

import java.util.function.Supplier;

/**
 * What the three call formats share around their call objects: reading an expected object (whitespace held, '{'
 * opens it, anything else means the text was not calls), following the open object's steps (closed, reverted to
 * content, broken arguments to recover, closed before a missing brace), reverting held text to content, and the end
 * of the output (calls cut right after their separator are dropped, other held text is content). Each format
 * names its states for these and keeps only what is its own: its markers and separators.
 *
 * @param <S> the format's states
 */
abstract sealed class FormatParser<S extends Enum<S>> extends ToolCallParser
        permits HermesToolCallParser, MistralToolCallParser, Llama3JsonToolCallParser {

    /** Not calls: everything is content. */
    private final S content;
    /** Inside a call object. */
    private final S inObject;
    /** The announced call's arguments broke: what follows (up to the format's end of block) is arguments. */
    private final S recover;
    /** After a separator between calls, where an output that ends drops what was held; null without separators. */
    private final S afterSeparator;
    S state;

    FormatParser(Supplier<String> ids, boolean argumentsRequired, S initial, S content, S inObject, S recover,
            S afterSeparator) {
        super(ids, argumentsRequired);
        this.state = initial;
        this.content = content;
        this.inObject = inObject;
        this.recover = recover;
        this.afterSeparator = afterSeparator;
    }

    /** The state once a call object closed. */
    abstract S afterObject();

    /** A call that closed before the character (its arguments complete, its closing brace missing). */
    void closedBefore() {}

    /** Where a call object is expected: whitespace is held, '{' opens the object, anything else is content. */
    final void expectObject(char c) {
        if (JsonScanner.isSpace(c)) {
            out.hold(c);
        } else if (c == '{') {
            object(openObject(c), c);
        } else {
            revert(c);
        }
    }

    /** Follows one step of the open call object; a character that does not belong to it is read again. */
    final void object(ObjectStep step, char c) {
        switch (step) {
            case MORE -> state = inObject;
            case CLOSED -> state = afterObject();
            case REVERTED -> {
                state = content;
                step(c);
            }
            case RECOVER -> {
                state = recover;
                step(c);
            }
            case CLOSED_BEFORE -> {
                closedBefore();
                state = afterObject();
                step(c);
            }
        }
    }

    /** Not calls after all: the held text is content, and the character is read again as content. */
    final void revert(char c) {
        out.releaseHeld();
        state = content;
        step(c);
    }

    @Override
    void end() {
        if (afterSeparator != null && state == afterSeparator) {
            out.dropHeld(); // calls cut after their separator
        } else {
            out.releaseHeld();
        }
        state = content;
    }
}
