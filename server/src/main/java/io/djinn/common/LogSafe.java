package io.djinn.common;

/**
 * Text from a request made safe for a log line: control characters (CR, LF, tabs, ESC, NEL, the Unicode line and
 * paragraph separators, bidi overrides) are written as {@code \\n} or {@code \\uXXXX}, so a field name or message
 * cannot end the line and forge another entry, nor recolour or reorder a terminal's view of it.
 */
public final class LogSafe {

    private LogSafe() {}

    public static String escape(Object value) {
        String s = String.valueOf(value);
        int i = 0;
        while (i < s.length() && !unsafe(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (unsafe(c)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static boolean unsafe(char c) {
        return c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
    }

    /**
     * A copy of {@code t} whose messages (its own and its causes') are escaped, with the same stack traces: logging
     * it keeps the trace without letting a message that quotes the request forge lines.
     */
    public static Throwable escaped(Throwable t) {
        return escaped(t, 0);
    }

    private static Throwable escaped(Throwable t, int depth) {
        if (t == null || depth > 20) {
            return null;
        }
        Throwable copy = new EscapedThrowable(t.getClass().getName(),
                t.getMessage() == null ? null : escape(t.getMessage()), escaped(t.getCause(), depth + 1));
        copy.setStackTrace(t.getStackTrace());
        return copy;
    }

    /** Prints as the original class name and its escaped message. */
    private static final class EscapedThrowable extends Throwable {
        private static final long serialVersionUID = 1L;
        private final String type;

        EscapedThrowable(String type, String message, Throwable cause) {
            super(message, cause, false, true);
            this.type = type;
        }

        @Override
        public String toString() {
            return getMessage() == null ? type : type + ": " + getMessage();
        }
    }
}
