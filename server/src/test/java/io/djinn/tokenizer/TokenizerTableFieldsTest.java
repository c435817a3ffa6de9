package io.djinn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streamed read of tokenizer.json finds exactly what the tables are built from, whatever the field order. */
class TokenizerTableFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static void assertSameTableFields(Path file) throws Exception {
        JsonNode full = JSON.readTree(file.toFile());
        Tokenizer.TableFields read = Tokenizer.tableFields(file);
        JsonNode vocab = full.path("model").path("vocab");
        Map<String, Integer> expected = new HashMap<>();
        int maxId = -1;
        if (vocab.isObject()) {
            for (var it = vocab.fields(); it.hasNext(); ) {
                var e = it.next();
                expected.put(e.getKey(), e.getValue().asInt());
                maxId = Math.max(maxId, e.getValue().asInt());
            }
        } else {
            for (int i = 0; i < vocab.size(); i++) {
                expected.put(vocab.get(i).get(0).asText(), i);
                maxId = i;
            }
        }
        assertEquals(expected, read.vocab());
        assertEquals(maxId, read.maxVocabId());
        assertEquals(full.path("added_tokens"), read.addedTokens());
        assertEquals(full.path("decoder"), read.decoder());
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
        assertEquals(Map.of("<unk>", 0, "\u2581a", 1, "b", 2), Tokenizer.tableFields(file).vocab());
    }
}
