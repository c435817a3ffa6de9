package io.djinn.toolcall;

/**
 * Checks that characters form one JSON value, one character at a time, without building it. The caller starts it at
 * the value's first character (not at whitespace). A number has no closing character: it ends when a character that
 * cannot continue it arrives, which is then {@link Step#DONE_BEFORE} and belongs to whatever follows the value.
 */
final class JsonScanner {

    enum Step {
        /** Accepted; the value is not complete yet. */
        MORE,
        /** Accepted, and it completed the value. */
        DONE,
        /** The value was already complete (a number); this character is not part of it. */
        DONE_BEFORE,
        /** Not valid JSON. */
        ERROR
    }

    private enum State {
        VALUE, OBJECT_FIRST, OBJECT_KEY, COLON, ARRAY_FIRST, AFTER_VALUE, STRING, LITERAL,
        MINUS, ZERO, INTEGER, DOT, FRACTION, EXPONENT, EXPONENT_SIGN, EXPONENT_DIGITS, DONE
    }

    /** Open containers, innermost last: '{' or '['. */
    private final StringBuilder open = new StringBuilder();
    private State state = State.VALUE;
    private JsonStringDecoder string;
    private boolean stringIsKey;
    private String literal;
    private int literalAt;

    Step feed(char c) {
        return switch (state) {
            case VALUE -> value(c);
            case OBJECT_FIRST -> c == '}' ? close() : objectKey(c);
            case OBJECT_KEY -> objectKey(c);
            case COLON -> isSpace(c) ? Step.MORE : c == ':' ? to(State.VALUE) : Step.ERROR;
            case ARRAY_FIRST -> isSpace(c) ? Step.MORE : c == ']' ? close() : value(c);
            case AFTER_VALUE -> afterValue(c);
            case STRING -> switch (string.feed(c)) {
                case MORE -> Step.MORE;
                case DONE -> stringIsKey ? to(State.COLON) : complete();
                case ERROR -> Step.ERROR;
            };
            case LITERAL -> {
                if (c != literal.charAt(literalAt)) {
                    yield Step.ERROR;
                }
                yield ++literalAt == literal.length() ? complete() : Step.MORE;
            }
            case MINUS -> c == '0' ? to(State.ZERO) : isDigit(c) ? to(State.INTEGER) : Step.ERROR;
            case ZERO -> c == '.' ? to(State.DOT) : c == 'e' || c == 'E' ? to(State.EXPONENT) : numberEnded(c);
            case INTEGER -> isDigit(c) ? Step.MORE
                    : c == '.' ? to(State.DOT) : c == 'e' || c == 'E' ? to(State.EXPONENT) : numberEnded(c);
            case DOT -> isDigit(c) ? to(State.FRACTION) : Step.ERROR;
            case FRACTION -> isDigit(c) ? Step.MORE : c == 'e' || c == 'E' ? to(State.EXPONENT) : numberEnded(c);
            case EXPONENT -> c == '+' || c == '-' ? to(State.EXPONENT_SIGN)
                    : isDigit(c) ? to(State.EXPONENT_DIGITS) : Step.ERROR;
            case EXPONENT_SIGN -> isDigit(c) ? to(State.EXPONENT_DIGITS) : Step.ERROR;
            case EXPONENT_DIGITS -> isDigit(c) ? Step.MORE : numberEnded(c);
            case DONE -> Step.ERROR;
        };
    }

    private Step value(char c) {
        if (isSpace(c)) {
            return Step.MORE;
        }
        switch (c) {
            case '{' -> {
                open.append('{');
                return to(State.OBJECT_FIRST);
            }
            case '[' -> {
                open.append('[');
                return to(State.ARRAY_FIRST);
            }
            case '"' -> {
                return string(false);
            }
            case '-' -> {
                return to(State.MINUS);
            }
            case '0' -> {
                return to(State.ZERO);
            }
            case 't' -> {
                return literal("true");
            }
            case 'f' -> {
                return literal("false");
            }
            case 'n' -> {
                return literal("null");
            }
            default -> {
                return isDigit(c) ? to(State.INTEGER) : Step.ERROR;
            }
        }
    }

    private Step objectKey(char c) {
        return isSpace(c) ? Step.MORE : c == '"' ? string(true) : Step.ERROR;
    }

    private Step afterValue(char c) {
        if (isSpace(c)) {
            return Step.MORE;
        }
        char container = open.charAt(open.length() - 1);
        if (c == ',') {
            return to(container == '{' ? State.OBJECT_KEY : State.VALUE);
        }
        if (c == '}' && container == '{' || c == ']' && container == '[') {
            return close();
        }
        return Step.ERROR;
    }

    private Step string(boolean key) {
        string = new JsonStringDecoder();
        stringIsKey = key;
        return to(State.STRING);
    }

    private Step literal(String word) {
        literal = word;
        literalAt = 1;
        return to(State.LITERAL);
    }

    private Step close() {
        open.setLength(open.length() - 1);
        return complete();
    }

    /** A value (scalar or container) just ended with the current character. */
    private Step complete() {
        if (open.isEmpty()) {
            state = State.DONE;
            return Step.DONE;
        }
        return to(State.AFTER_VALUE);
    }

    /** A number ended before {@code c}: {@code c} is the next thing after the value. */
    private Step numberEnded(char c) {
        if (open.isEmpty()) {
            state = State.DONE;
            return Step.DONE_BEFORE;
        }
        state = State.AFTER_VALUE;
        return afterValue(c);
    }

    private Step to(State next) {
        state = next;
        return Step.MORE;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
