package io.djinn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streamed read of tokenizer.json keeps exactly what the tables are built from, whatever the field order. */
class TokenizerTableFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static void assertSameTableFields(Path file) throws Exception {
        JsonNode full = JSON.readTree(file.toFile());
        JsonNode read = Tokenizer.tableFields(file);
        assertEquals(full.path("model").path("vocab"), read.path("model").path("vocab"));
        assertEquals(full.path("added_tokens"), read.path("added_tokens"));
        assertEquals(full.path("decoder"), read.path("decoder"));
        assertFalse(read.path("model").has("merges"), "merges skipped");
    }

    @Test
    void aGeneratedBpeTokenizer() throws Exception {
        Path dir = tmp.resolve("tiny");
        CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir);
        assertSameTableFields(dir.resolve("tokenizer.json"));
    }

    @Test
    void unusualOrderAUnigramVocabularyAndNullDecoder() throws Exception {
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, """
                {"version":"1.0","truncation":null,"decoder":null,
                 "post_processor":{"type":"TemplateProcessing","single":[{"A":{"id":"A","type_id":0}}]},
                 "model":{"merges":[["a","b"],["ab","c"]],"type":"Unigram","unk_id":0,
                          "vocab":[["<unk>",0.0],["\\u2581a",-1.5],["b",-2.0]],"byte_fallback":false},
                 "added_tokens":[{"id":3,"content":"<s>","special":true}],
                 "normalizer":{"type":"NFKC"}}
                """);
        assertSameTableFields(file);
        assertEquals(3, Tokenizer.tableFields(file).path("model").path("vocab").size());
    }
}
