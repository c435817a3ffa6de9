package io.djinn.tokenizer;

/** A chat template failed to parse or render; the message is the template's own (e.g. its raise_exception text). */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
