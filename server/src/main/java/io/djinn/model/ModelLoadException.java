package io.djinn.model;

/** A checkpoint that cannot be served; the message names the file and, where relevant, the tensor. */
public class ModelLoadException extends RuntimeException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
