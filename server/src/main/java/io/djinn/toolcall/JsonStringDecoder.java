package io.djinn.toolcall;

/**
 * Decodes the body of one JSON string (everything after its opening quote), a character at a time, strictly as
 * RFC 8259 says: raw control characters and unknown escapes are errors, as they are for the clients that will
 * parse the arguments. Decoded text grows as characters arrive, so a caller can stream it.
 */
final class JsonStringDecoder {

    enum Step {
        /** The character was accepted; the string goes on. */
        MORE,
        /** The character was the closing quote. */
        DONE,
        /** The character cannot appear here. */
        ERROR
    }

    private final StringBuilder text = new StringBuilder();
    private boolean escape;
    /** Hex digits still expected by a {@code \\u} escape; 0 when not in one. */
    private int hexLeft;
    private int code;

    Step feed(char c) {
        if (hexLeft > 0) {
            int digit = Character.digit(c, 16);
            if (digit < 0) {
                return Step.ERROR;
            }
            code = code * 16 + digit;
            if (--hexLeft == 0) {
                text.append((char) code);
            }
            return Step.MORE;
        }
        if (escape) {
            escape = false;
            switch (c) {
                case '"', '\\', '/' -> text.append(c);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    hexLeft = 4;
                    code = 0;
                }
                default -> {
                    return Step.ERROR;
                }
            }
            return Step.MORE;
        }
        if (c == '"') {
            return Step.DONE;
        }
        if (c == '\\') {
            escape = true;
            return Step.MORE;
        }
        if (c < 0x20) {
            return Step.ERROR;
        }
        text.append(c);
        return Step.MORE;
    }

    /** The text decoded so far (all of it once {@link Step#DONE} was returned). */
    CharSequence text() {
        return text;
    }
}
