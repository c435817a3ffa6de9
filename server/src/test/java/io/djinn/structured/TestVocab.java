package io.djinn.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.checkpoint.TokenizerGenerator;
import io.djinn.tokenizer.ByteLevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The generated 1024-token byte-level tokenizer, read from its tokenizer.json (no native library needed): ids 0..255
 * are the bytes, merges follow, the added tokens come last; special ones are null, EOS is {@code <|im_end|>}.
 * One per test JVM.
 */
final class TestVocab {
    private TestVocab() {}

    private static List<byte[]> bytes;
    private static int eos;
    private static TokenVocabulary vocab;

    static synchronized TokenVocabulary vocab() {
        if (vocab == null) {
            load();
            vocab = TokenVocabulary.of(bytes, new int[] {eos}, bytes.size() + 5); // padded like a model's rows
        }
        return vocab;
    }

    static synchronized List<byte[]> bytes() {
        vocab();
        return bytes;
    }

    static synchronized int eos() {
        vocab();
        return eos;
    }

    static String text(List<Integer> ids) {
        return new String(concat(ids), StandardCharsets.UTF_8);
    }

    static byte[] concat(List<Integer> ids) {
        var out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(bytes.get(id));
        }
        return out.toByteArray();
    }

    private static void load() {
        try {
            Path dir = Files.createTempDirectory("djinn-structured-tok-");
            TokenizerGenerator.Result result = TokenizerGenerator.write(dir, 1024);
            JsonNode json = new ObjectMapper().readTree(dir.resolve("tokenizer.json").toFile());
            byte[][] table = new byte[result.vocabSize()][];
            for (Map.Entry<String, JsonNode> e : json.path("model").path("vocab").properties()) {
                table[e.getValue().asInt()] = ByteLevel.decodeToken(e.getKey());
            }
            for (JsonNode a : json.path("added_tokens")) {
                table[a.path("id").asInt()] = a.path("special").asBoolean()
                        ? null : a.path("content").asText().getBytes(StandardCharsets.UTF_8);
            }
            bytes = new ArrayList<>(Arrays.asList(table));
            eos = result.eosId();
            for (Path p : List.of(dir.resolve("tokenizer.json"), dir.resolve("tokenizer_config.json"), dir)) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
