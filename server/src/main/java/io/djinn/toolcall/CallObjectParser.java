package io.djinn.toolcall;

/**
 * Parses one call object, {@code {"name": "f", "arguments": {...}}}, a character at a time, and announces the call
 * as early as it is safe to: once the name is known and the arguments' value has begun (or the object closed
 * without one). From then on the arguments stream out as they are validated. Announcing later would delay every
 * streamed argument; announcing earlier would announce calls whose object then turns out to have no arguments key
 * or a broken name.
 *
 * <p>The arguments are the value exactly as the model wrote it (so it streams verbatim), except: a JSON string is
 * replaced by its decoded content (models that double-encode the arguments), {@code null}, an empty string or an
 * absent value become {@code {}}. Other keys are checked for syntax and ignored; a repeated name or arguments key
 * is ignored too (the first wins).
 */
final class CallObjectParser {

    enum Step {
        /** Accepted; the object goes on. */
        MORE,
        /** Accepted, and it closed the object. */
        DONE,
        /** Not a call object: invalid JSON, a name that is not a non-empty string, or a missing required key. */
        ERROR
    }

    /** Receives the call as it is recognised. */
    interface Listener {
        void started(String name);

        void arguments(CharSequence text);
    }

    private enum State {
        OPEN, FIRST_KEY, KEY, IN_KEY, COLON, VALUE, NAME, ARGUMENTS_JSON, ARGUMENTS_STRING, ARGUMENTS_SCALAR, OTHER,
        AFTER_VALUE, DONE
    }

    private static final String EMPTY_ARGUMENTS = "{}";

    private final boolean argumentsRequired;
    private final Listener listener;
    private State state = State.OPEN;
    private JsonStringDecoder string;
    private JsonScanner scanner;
    private String key;
    private String name;
    private boolean argumentsSeen;
    private boolean argumentsComplete;
    /** Arguments produced before the call was announced (they came before the name). */
    private final StringBuilder pending = new StringBuilder();
    /** A number or literal given as the arguments, held until complete (null is rewritten). */
    private final StringBuilder scalar = new StringBuilder();
    /** Characters of arguments produced so far (announced or buffered). */
    private int argumentsLength;
    private boolean started;

    /** @param argumentsRequired an object without an arguments key is not a call (else its arguments are {}) */
    CallObjectParser(boolean argumentsRequired, Listener listener) {
        this.argumentsRequired = argumentsRequired;
        this.listener = listener;
    }

    /** Whether the call was announced to the listener. */
    boolean started() {
        return started;
    }

    /** Whether the arguments' value is complete (the object may still be open). */
    boolean argumentsComplete() {
        return argumentsComplete;
    }

    Step feed(char c) {
        Step step = step(c);
        if (step == Step.ERROR && state == State.ARGUMENTS_SCALAR && started) {
            // What was read of a broken scalar is still part of the arguments text the caller will complete.
            listener.arguments(scalar);
            scalar.setLength(0);
        }
        return step;
    }

    /** The output ended inside the object: a started call keeps what it has, including a partial scalar. */
    void endOfInput() {
        if (started && state == State.ARGUMENTS_SCALAR && !scalar.isEmpty()) {
            listener.arguments(scalar);
            scalar.setLength(0);
        }
    }

    private Step step(char c) {
        switch (state) {
            case OPEN -> {
                return c == '{' ? to(State.FIRST_KEY) : Step.ERROR;
            }
            case FIRST_KEY, KEY -> {
                if (JsonScanner.isSpace(c)) {
                    return Step.MORE;
                }
                if (c == '}' && state == State.FIRST_KEY) {
                    return close();
                }
                if (c != '"') {
                    return Step.ERROR;
                }
                string = new JsonStringDecoder();
                return to(State.IN_KEY);
            }
            case IN_KEY -> {
                return switch (string.feed(c)) {
                    case MORE -> Step.MORE;
                    case DONE -> {
                        key = string.text().toString();
                        yield to(State.COLON);
                    }
                    case ERROR -> Step.ERROR;
                };
            }
            case COLON -> {
                return JsonScanner.isSpace(c) ? Step.MORE : c == ':' ? to(State.VALUE) : Step.ERROR;
            }
            case VALUE -> {
                return JsonScanner.isSpace(c) ? Step.MORE : value(c);
            }
            case NAME -> {
                return switch (string.feed(c)) {
                    case MORE -> Step.MORE;
                    case DONE -> {
                        name = string.text().toString();
                        if (name.isEmpty()) {
                            yield Step.ERROR;
                        }
                        if (argumentsSeen) {
                            start();
                        }
                        yield to(State.AFTER_VALUE);
                    }
                    case ERROR -> Step.ERROR;
                };
            }
            case ARGUMENTS_JSON -> {
                JsonScanner.Step step = scanner.feed(c);
                if (step == JsonScanner.Step.ERROR) {
                    return Step.ERROR;
                }
                arguments(String.valueOf(c));
                if (step == JsonScanner.Step.DONE) {
                    argumentsComplete = true;
                    return to(State.AFTER_VALUE);
                }
                return Step.MORE;
            }
            case ARGUMENTS_STRING -> {
                int before = string.text().length();
                JsonStringDecoder.Step step = string.feed(c);
                if (step == JsonStringDecoder.Step.ERROR) {
                    return Step.ERROR;
                }
                if (string.text().length() > before) {
                    arguments(string.text().subSequence(before, string.text().length()));
                }
                if (step == JsonStringDecoder.Step.DONE) {
                    if (argumentsLength == 0) {
                        arguments(EMPTY_ARGUMENTS);
                    }
                    argumentsComplete = true;
                    return to(State.AFTER_VALUE);
                }
                return Step.MORE;
            }
            case ARGUMENTS_SCALAR -> {
                JsonScanner.Step step = scanner.feed(c);
                switch (step) {
                    case ERROR -> {
                        return Step.ERROR;
                    }
                    case MORE -> {
                        scalar.append(c);
                        return Step.MORE;
                    }
                    case DONE -> {
                        scalar.append(c);
                        scalarComplete();
                        return to(State.AFTER_VALUE);
                    }
                    default -> {
                        scalarComplete();
                        state = State.AFTER_VALUE;
                        return step(c);
                    }
                }
            }
            case OTHER -> {
                return switch (scanner.feed(c)) {
                    case MORE -> Step.MORE;
                    case DONE -> to(State.AFTER_VALUE);
                    case DONE_BEFORE -> {
                        state = State.AFTER_VALUE;
                        yield step(c);
                    }
                    case ERROR -> Step.ERROR;
                };
            }
            case AFTER_VALUE -> {
                if (JsonScanner.isSpace(c)) {
                    return Step.MORE;
                }
                return c == ',' ? to(State.KEY) : c == '}' ? close() : Step.ERROR;
            }
            default -> {
                return Step.ERROR;
            }
        }
    }

    /** The first character of the value of {@link #key}. */
    private Step value(char c) {
        if (key.equals("name") && name == null) {
            if (c != '"') {
                return Step.ERROR;
            }
            string = new JsonStringDecoder();
            return to(State.NAME);
        }
        if ((key.equals("arguments") || key.equals("parameters")) && !argumentsSeen) {
            argumentsSeen = true;
            if (name != null) {
                start();
            }
            if (c == '"') {
                string = new JsonStringDecoder();
                return to(State.ARGUMENTS_STRING);
            }
            scanner = new JsonScanner();
            JsonScanner.Step step = scanner.feed(c);
            if (step == JsonScanner.Step.ERROR) {
                return Step.ERROR;
            }
            if (c == '{' || c == '[') {
                arguments(String.valueOf(c));
                return to(State.ARGUMENTS_JSON);
            }
            scalar.append(c);
            if (step == JsonScanner.Step.DONE) {
                scalarComplete();
                return to(State.AFTER_VALUE);
            }
            return to(State.ARGUMENTS_SCALAR);
        }
        scanner = new JsonScanner();
        return switch (scanner.feed(c)) {
            case MORE -> to(State.OTHER);
            case DONE -> to(State.AFTER_VALUE);
            default -> Step.ERROR;
        };
    }

    /** A number or literal given as the arguments is complete: null means no arguments. */
    private void scalarComplete() {
        String text = scalar.toString();
        scalar.setLength(0);
        arguments(text.equals("null") ? EMPTY_ARGUMENTS : text);
        argumentsComplete = true;
    }

    private Step close() {
        if (!started) {
            if (name == null || !argumentsSeen && argumentsRequired) {
                return Step.ERROR;
            }
            start();
            if (!argumentsSeen) {
                arguments(EMPTY_ARGUMENTS);
                argumentsComplete = true;
            }
        }
        state = State.DONE;
        return Step.DONE;
    }

    private void start() {
        started = true;
        listener.started(name);
        if (!pending.isEmpty()) {
            listener.arguments(pending);
            pending.setLength(0);
        }
    }

    private void arguments(CharSequence text) {
        argumentsLength += text.length();
        if (started) {
            listener.arguments(text);
        } else {
            pending.append(text);
        }
    }

    private Step to(State next) {
        state = next;
        return Step.MORE;
    }
}
