package io.djinn.toolcall;

import io.djinn.common.HeldMarker;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Turns the content text of one choice, as it streams, into content and tool calls. One instance per choice; not
 * thread-safe. {@link #feed} takes each new piece of text and returns what can be said about it now; {@link #finish}
 * decides what is still held back when the output ends.
 *
 * <p>The text is read one character at a time by a state machine of the format, so whatever the pieces are the
 * decisions are the same: only the way they are split into deltas differs, and the accumulated message is identical
 * for any chunking. Text that may still become markup (a marker's prefix, a call whose name has not come) is held
 * back, so no markup reaches the content. Text that turns out not to be a call (invalid JSON, no name) is released
 * as content, as vLLM does; see {@link CallObjectParser} for what a call object may contain.
 *
 * <p>Once a call was announced it cannot be taken back. If its JSON breaks inside the arguments, the rest of its
 * text up to the end of the call's block (Hermes: {@code </tool_call>}; Mistral and Llama: the end of the output)
 * is appended to its arguments verbatim, so nothing is lost and nothing leaks into content, and the client sees
 * arguments that are not valid JSON, which OpenAI documents as possible. If it breaks after complete arguments (a
 * missing closing brace), the call is taken as closed there.
 */
public abstract sealed class ToolCallParser
        permits FormatParser, ToolCallParser.PassThrough {

    /** What feeding one character to the open call object did. */
    enum ObjectStep {
        /** Consumed; the object goes on. */
        MORE,
        /** Consumed, and it closed the object. */
        CLOSED,
        /** Not a call: the held text became content; the character must be read again as content. */
        REVERTED,
        /** The announced call's arguments broke: the character and what follows belong to its arguments. */
        RECOVER,
        /** The announced call's arguments were complete: the call ends before the character, read it again. */
        CLOSED_BEFORE
    }

    final DeltaCollector out;
    private final boolean argumentsRequired;
    private final HeldMarker partialMarker = new HeldMarker();
    private CallObjectParser object;

    ToolCallParser(Supplier<String> ids, boolean argumentsRequired) {
        this.out = new DeltaCollector(Objects.requireNonNull(ids, "ids"));
        this.argumentsRequired = argumentsRequired;
    }

    /** A parser for the given format; {@code ids} makes the id of each call (see {@link ToolCallIds#random()}). */
    public static ToolCallParser create(ToolCallFormat format, Supplier<String> ids) {
        return switch (format) {
            case HERMES -> new HermesToolCallParser(ids);
            case MISTRAL -> new MistralToolCallParser(ids);
            case LLAMA3_JSON -> new Llama3JsonToolCallParser(ids);
        };
    }

    /** A parser that passes all text to content unchanged: no tools, {@code tool_choice: "none"}, or no format. */
    public static ToolCallParser passThrough() {
        return new PassThrough();
    }

    /** Reads the next piece of the content text; returns what it adds to the message. */
    public AssistantDelta feed(String text) {
        for (int i = 0; i < text.length(); i++) {
            step(text.charAt(i));
        }
        return out.drain();
    }

    /** The output ended: decides everything still held back. Call once, after the last {@link #feed}. */
    public AssistantDelta finish() {
        while (!partialMarker.isEmpty()) {
            partialMarker.release(this::plain, this::step); // no marker can complete any more
        }
        if (object != null) {
            if (object.started()) {
                object.endOfInput();
            }
            object = null;
        }
        end();
        out.finish();
        return out.drain();
    }

    /** Calls announced so far (the API answers finish_reason "tool_calls" when there are any). */
    public int callCount() {
        return out.callCount();
    }

    /** The markers recognised in the current state, or an empty list. */
    abstract List<String> markers();

    /** A character that is not part of a marker. */
    abstract void plain(char c);

    /** A complete marker. */
    abstract void marker(String marker);

    /** The output ended (held marker prefixes were already read as text, an open object closed). */
    abstract void end();

    /**
     * Reads one character. While a marker may be starting, its prefix is kept aside; when it can no longer be one,
     * its first character is read as text and the rest read again (a marker may start inside it).
     */
    final void step(char c) {
        switch (partialMarker.offer(c, markers())) {
            case PLAIN -> plain(c);
            case HELD -> {}
            case MATCHED -> marker(partialMarker.matched());
            case BROKEN -> partialMarker.release(this::plain, this::step);
        }
    }

    /** Starts a call object at its '{'. */
    final ObjectStep openObject(char brace) {
        object = new CallObjectParser(argumentsRequired, out);
        return feedObject(brace);
    }

    /** Reads one character of the open call object. */
    final ObjectStep feedObject(char c) {
        CallObjectParser.Step step = object.feed(c);
        if (step == CallObjectParser.Step.ERROR) {
            CallObjectParser failed = object;
            object = null;
            if (!failed.started()) {
                out.releaseHeld();
                return ObjectStep.REVERTED;
            }
            return failed.argumentsComplete() ? ObjectStep.CLOSED_BEFORE : ObjectStep.RECOVER;
        }
        if (!object.started()) {
            out.hold(c);
        }
        if (step == CallObjectParser.Step.DONE) {
            object = null;
            return ObjectStep.CLOSED;
        }
        return ObjectStep.MORE;
    }

    /** Passes everything to content, unchanged. */
    static final class PassThrough extends ToolCallParser {

        PassThrough() {
            super(ToolCallIds.random(), false);
        }

        @Override
        public AssistantDelta feed(String text) {
            out.rawContent(text);
            return out.drain();
        }

        @Override
        List<String> markers() {
            return List.of();
        }

        @Override
        void plain(char c) {
            out.rawContent(String.valueOf(c));
        }

        @Override
        void marker(String marker) {}

        @Override
        void end() {}
    }
}
