package io.djinn.structured;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.djinn.checkpoint.TokenizerGenerator;
import io.djinn.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The benchmark helper runs (small vocabulary, always), and the measurement on a 150,000-token generated vocabulary
 * (only with {@code -Dbench.structured=true}: training the tokenizer takes a while).
 */
class MaskStepBenchmarkTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String SCHEMA = """
            {"type":"object","properties":{
              "id":{"type":"integer"},"name":{"type":"string"},"email":{"type":["string","null"]},
              "score":{"type":"number"},"active":{"type":"boolean"},
              "role":{"enum":["admin","user","guest"]},
              "tags":{"type":"array","items":{"type":"string"}},
              "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},
                "zip":{"type":"string"}},"required":["city"],"additionalProperties":false},
              "friends":{"type":"array","items":{"$ref":"#/$defs/person"}}},
             "required":["id","name","role","tags"],"additionalProperties":false,
             "$defs":{"person":{"type":"object","properties":{"name":{"type":"string"},
               "friends":{"type":"array","items":{"$ref":"#/$defs/person"}}},"required":["name"]}}}""";

    @Test
    void smoke() throws Exception {
        MaskStepBenchmark.Result r = MaskStepBenchmark.run(TestVocab.vocab(),
                Grammars.jsonSchema(JSON.readTree(SCHEMA)), 200, 500, 200, 1);
        assertTrue(r.steps() == 500 && r.documents() >= 1 && r.p50Micros() > 0, r.toString());
    }

    @Test
    @EnabledIfSystemProperty(named = "bench.structured", matches = "true")
    void largeVocabulary(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        TokenizerGenerator.Result gen = TokenizerGenerator.write(dir, 150_000);
        long t1 = System.nanoTime();
        TokenVocabulary vocab;
        try (Tokenizer tok = Tokenizer.load(dir)) {
            long t2 = System.nanoTime();
            vocab = TokenVocabulary.of(tok, new int[] {gen.eosId()}, tok.vocabSize());
            long t3 = System.nanoTime();
            System.out.printf("150k vocab: generate %d ms, load %d ms, TokenVocabulary.of %d ms, %s%n",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, vocab);
        }
        report(vocab);
        long t4 = System.nanoTime();
        TokenVocabulary synthetic = SyntheticVocab.of(150_000, 11);
        System.out.printf("synthetic 150k vocab: %d ms%n", (System.nanoTime() - t4) / 1_000_000);
        report(synthetic);
    }

    static void report(TokenVocabulary vocab) throws Exception {
        System.out.println("vocabulary: " + vocab);
        for (var e : List.of(
                java.util.Map.entry("json_schema", Grammars.jsonSchema(JSON.readTree(SCHEMA))),
                java.util.Map.entry("json_object", Grammars.jsonObject()),
                java.util.Map.entry("regex", Grammars.regex("[A-Z][a-z]{2,12}( [A-Z][a-z]{2,12})*, \\d{1,5} [a-z ]+")))) {
            MaskStepBenchmark.Result r = MaskStepBenchmark.run(vocab, e.getValue(), 3000, 20_000, 300, 42);
            System.out.println("  " + e.getKey() + ": " + r);
        }
    }
}
