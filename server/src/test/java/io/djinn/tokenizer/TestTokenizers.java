package io.djinn.tokenizer;

import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.TokenizerGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One generated 1024-entry tokenizer per test JVM, shared by the tokenizer tests. */
public final class TestTokenizers {
    private TestTokenizers() {}

    private static Path dir;
    private static TokenizerGenerator.Result result;
    private static Tokenizer tokenizer;

    public static synchronized Path dir() {
        if (dir == null) {
            DjlEnvironment.init();
            try {
                dir = Files.createTempDirectory("djinn-tok-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            dir.toFile().deleteOnExit();
            result = TokenizerGenerator.write(dir, 1024);
        }
        return dir;
    }

    public static synchronized TokenizerGenerator.Result result() {
        dir();
        return result;
    }

    /** Shared instance; never closed by tests. */
    public static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) tokenizer = Tokenizer.load(dir());
        return tokenizer;
    }

    public static final String[] SAMPLES = {
        "Hello, world! How are you doing today?",
        "The llama 🦙 met a family 👩‍👩‍👧 near the 🚀.",
        "今天天气很好，我们去公园散步吧。東京の朝。오늘은 좋아요",
        "cafe\u0301 vs café, n\u0303 vs ñ, Å vs A\u030A",
        "spaces:     five\t\ttabs\n\n\nthree newlines   \r\n crlf  ",
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nhm\n</think>\n\nok<|im_end|>",
        "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_call><|endoftext|>",
        "def f(x):\n    return x ** 2  # square\n",
        "Numbers 1234567890 3.14159 -42 1e-5 and symbols ∑∞√±×÷…—",
        "",
        " ",
        "\u0000\u0001 control \u007f chars \uFEFF bom",
        "Привет! Ελπίζω. مرحبا. שלום. नमस्ते",
        "🇵🇹❤️👍🏽 emoji modifiers and flags",
    };
}
