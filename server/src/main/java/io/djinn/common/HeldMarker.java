package io.djinn.common;

import java.util.List;

/**
 * The text a streaming parser holds back while it may still be the start of a marker ({@code </think>},
 * {@code <tool_call>}, {@code [TOOL_CALLS]}, ...), shared by the reasoning and the tool-call parsers so that a marker
 * split across deltas never leaks and every chunking of the same text is read the same way. One instance per parser;
 * not thread-safe.
 */
public final class HeldMarker {

    /** What offering one character did. */
    public enum Outcome {
        /** No marker starts with it and nothing is held: the character is plain text, not taken. */
        PLAIN,
        /** Taken: the held text is still a proper prefix of a marker. */
        HELD,
        /** Taken, and the held text is now a whole marker (see {@link #matched()}); nothing is held any more. */
        MATCHED,
        /** Taken, and the held text can no longer become a marker: the caller {@link #release}s it. */
        BROKEN
    }

    /** Receives one character. */
    @FunctionalInterface
    public interface CharSink {
        void accept(char c);
    }

    private final StringBuilder held = new StringBuilder();
    private String matched;

    /** Offers the next character against the markers recognised now. */
    public Outcome offer(char c, List<String> markers) {
        if (held.isEmpty() && !startsAMarker(markers, c)) {
            return Outcome.PLAIN;
        }
        held.append(c);
        for (String marker : markers) {
            if (marker.contentEquals(held)) {
                held.setLength(0);
                matched = marker;
                return Outcome.MATCHED;
            }
        }
        for (String marker : markers) {
            if (isProperPrefix(held, marker)) {
                return Outcome.HELD;
            }
        }
        return Outcome.BROKEN;
    }

    /** The marker the last {@link Outcome#MATCHED} completed. */
    public String matched() {
        return matched;
    }

    public boolean isEmpty() {
        return held.isEmpty();
    }

    /** Takes the held text out (empty when nothing is held). */
    public String take() {
        String text = held.toString();
        held.setLength(0);
        return text;
    }

    /**
     * The held text is not a marker: its first character is text, and the rest is read again, since a marker may
     * start inside it and the first character may have changed the reader's state.
     */
    public void release(CharSink asText, CharSink readAgain) {
        String text = take();
        asText.accept(text.charAt(0));
        for (int i = 1; i < text.length(); i++) {
            readAgain.accept(text.charAt(i));
        }
    }

    private static boolean startsAMarker(List<String> markers, char c) {
        for (String marker : markers) {
            if (marker.charAt(0) == c) {
                return true;
            }
        }
        return false;
    }

    private static boolean isProperPrefix(CharSequence text, String marker) {
        if (text.length() >= marker.length()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != marker.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
