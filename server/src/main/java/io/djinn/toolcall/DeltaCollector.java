package io.djinn.toolcall;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Collects what a tool-call parser decides while it reads one delta, and hands it out as one {@link AssistantDelta}.
 *
 * <p>It owns the two kinds of undecided text. <em>Held</em> text is markup that may turn out to be a call (a marker,
 * an object whose name has not come yet): a call that starts drops it, a failure releases it as content.
 * <em>Pending whitespace</em> is whitespace at the end of the content, decided by what follows: before a call it
 * is a separator and dropped (so "Let me check.\n&lt;tool_call&gt;..." has content "Let me check."); before content
 * it is content, except after calls when no content came before them (it only separated the calls from the text);
 * at the end of the output it is content unless the message has calls. An output without calls thus keeps every
 * character (except an empty Mistral list, {@code [TOOL_CALLS][]}, which is dropped).
 */
final class DeltaCollector implements CallObjectParser.Listener {

    private final Supplier<String> ids;
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder pendingSpace = new StringBuilder();
    private final StringBuilder held = new StringBuilder();
    private final List<ToolCallDelta> calls = new ArrayList<>();
    private int callCount;
    /** Whether any content other than whitespace was produced. */
    private boolean contentSeen;
    /** Arguments of the open call collected in this delta, and that call's index (-1 when none). */
    private final StringBuilder arguments = new StringBuilder();
    private int argumentsIndex = -1;
    private String openId;
    private String openName;

    DeltaCollector(Supplier<String> ids) {
        this.ids = ids;
    }

    int callCount() {
        return callCount;
    }

    /** Content text, subject to the whitespace rule. */
    void content(char c) {
        if (JsonScanner.isSpace(c)) {
            pendingSpace.append(c);
        } else {
            if (contentSeen || callCount == 0) {
                content.append(pendingSpace);
            }
            content.append(c);
            pendingSpace.setLength(0);
            contentSeen = true;
        }
    }

    void content(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            content(text.charAt(i));
        }
    }

    /** Content text that bypasses the whitespace rule (a parser that never sees calls). */
    void rawContent(CharSequence text) {
        content.append(text);
    }

    void hold(char c) {
        held.append(c);
    }

    void hold(String text) {
        held.append(text);
    }

    /** The held text was not a call after all: it is content. */
    void releaseHeld() {
        String text = held.toString();
        held.setLength(0);
        content(text);
    }

    /** The held text was markup around calls. */
    void dropHeld() {
        held.setLength(0);
    }

    @Override
    public void started(String name) {
        dropHeld();
        pendingSpace.setLength(0);
        flushArguments();
        argumentsIndex = callCount++;
        openId = ids.get();
        openName = name;
    }

    @Override
    public void arguments(CharSequence text) {
        arguments.append(text);
    }

    /** The end of the output: decides the pending whitespace. */
    void finish() {
        if (callCount == 0) {
            content.append(pendingSpace);
        }
        pendingSpace.setLength(0);
    }

    /** What was collected since the last call, as one delta. */
    AssistantDelta drain() {
        flushArguments();
        if (content.isEmpty() && calls.isEmpty()) {
            return AssistantDelta.EMPTY;
        }
        AssistantDelta delta = new AssistantDelta("", content.toString(), calls);
        content.setLength(0);
        calls.clear();
        return delta;
    }

    private void flushArguments() {
        if (argumentsIndex < 0 || openId == null && arguments.isEmpty()) {
            return;
        }
        calls.add(new ToolCallDelta(argumentsIndex, openId, openName, arguments.toString()));
        arguments.setLength(0);
        openId = null;
        openName = null;
    }
}
