package io.djinn.engine;

import java.util.List;

/**
 * Finds stop strings in streamed text across token boundaries. Text that could still grow into a stop string is
 * held back, so no stop string (nor a prefix of one that then completes) ever reaches the client. When several
 * stop strings match, the one that starts earliest wins (the longest on a tie), so the output never contains any
 * of them. Not thread-safe (one instance per sequence).
 */
public final class StopStringMatcher {

    /**
     * @param text    text that may be released now
     * @param stopped whether a stop string matched; the stream ends with {@code text}
     */
    public record Step(String text, boolean stopped) {}

    private final List<String> stops;
    private final boolean includeStop;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopStringMatcher(List<String> stops, boolean includeStopStringInOutput) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.includeStop = includeStopStringInOutput;
    }

    public boolean active() {
        return !stops.isEmpty();
    }

    /** Adds newly decoded text; returns what can be released (a stop string matched when {@code stopped}). */
    public Step append(String text) {
        if (stopped) {
            return new Step("", true);
        }
        if (stops.isEmpty()) {
            return new Step(text, false);
        }
        pending.append(text);
        int at = -1;
        String match = null;
        for (String stop : stops) {
            int i = pending.indexOf(stop);
            if (i >= 0 && (at < 0 || i < at || i == at && stop.length() > match.length())) {
                at = i;
                match = stop;
            }
        }
        if (match != null) {
            stopped = true;
            String out = pending.substring(0, includeStop ? at + match.length() : at);
            pending.setLength(0);
            return new Step(out, true);
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return new Step(out, false);
    }

    /** The held-back text, released when the sequence ends without a match. */
    public String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of some stop string. */
    private int heldBack() {
        int longest = 0;
        String text = pending.toString();
        int length = text.length();
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, length); n > longest; n--) {
                if (text.regionMatches(length - n, stop, 0, n)) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }
}
