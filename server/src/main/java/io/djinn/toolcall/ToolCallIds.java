package io.djinn.toolcall;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/** Tool call ids in OpenAI's style: {@code call_} followed by 24 random letters and digits. */
public final class ToolCallIds {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final int LENGTH = 24;

    private ToolCallIds() {}

    /** A new random id. Ids only need to be unique within a conversation, so a non-cryptographic source is enough. */
    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder("call_");
        for (int i = 0; i < LENGTH; i++) {
            id.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }

    /** The supplier the parsers use by default. */
    public static Supplier<String> random() {
        return ToolCallIds::next;
    }
}
