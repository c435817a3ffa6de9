package io.djinn.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Random generation on the real generated 1024-token vocabulary, as a random-weight model would sample: for many
 * schemas, seeds and budgets, each output is valid UTF-8, parses as JSON, and validates against the schema with an
 * independent validator (networknt); regex outputs match java.util.regex; every document completes within its
 * token budget. Two samplers: uniform over the allowed tokens, and an adversarial one that avoids closing quotes
 * and brackets whenever it can (strings and arrays then grow until the budget forces the end).
 */
class ConstraintPropertyTest {
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final JsonSchemaFactory VALIDATORS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    static final List<String> SCHEMAS = List.of(
            // nested objects, optional properties
            """
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},
             "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"},
               "geo":{"type":"object","properties":{"lat":{"type":"number"},"lon":{"type":"number"}},
                 "required":["lat","lon"],"additionalProperties":false}},
               "required":["city"],"additionalProperties":false},
             "nick":{"type":"string"}},"required":["name","address"],"additionalProperties":false}""",
            // arrays of objects, arrays of arrays
            """
            {"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":
             {"sku":{"type":"string"},"qty":{"type":"integer"},"price":{"type":"number"}},
             "required":["sku","qty"],"additionalProperties":false}},
             "matrix":{"type":"array","items":{"type":"array","items":{"type":"integer"}}}},
             "required":["items","matrix"],"additionalProperties":false}""",
            // enums (mixed values, escapes, non-ASCII) and const
            """
            {"type":"object","properties":{"color":{"enum":["red","grün","青","say \\"hi\\"","tab\\there",
              "back\\\\slash"]},
             "level":{"enum":[1,2.5,-3,null,true,{"k":[1,"v"]},[]]},"kind":{"const":"fixed"},
             "flag":{"type":"string","enum":["on","off",7]}},
             "required":["color","level","kind"],"additionalProperties":false}""",
            // anyOf and type arrays
            """
            {"type":"object","properties":{"value":{"anyOf":[{"type":"integer"},{"type":"string"},
              {"type":"object","properties":{"x":{"type":"number"}},"required":["x"],"additionalProperties":false},
              {"type":"array","items":{"type":["boolean","null"]}}]},
             "maybe":{"type":["string","null"]},"either":{"type":["number","boolean","array"],
              "items":{"type":"string"}}},
             "required":["value","maybe","either"],"additionalProperties":false}""",
            // $ref recursion through $defs
            """
            {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"label":{"type":"string"},
             "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["label","children"],
             "additionalProperties":false}}}""",
            // recursion through the root, linked list with anyOf null
            """
            {"type":"object","properties":{"v":{"type":"integer"},"next":{"anyOf":[{"$ref":"#"},{"type":"null"}]}},
             "required":["v","next"],"additionalProperties":false}""",
            // keys that need escaping, non-ASCII keys, optional-only properties
            """
            {"type":"object","properties":{"ключ":{"type":"string"},"a\\"b":{"type":"boolean"},"tab\\tkey":
             {"type":"integer"},"emoji😀":{"type":"null"},"/path":{"type":"number"}},"additionalProperties":false}""",
            // any JSON value
            "{}",
            // top-level array of strings
            """
            {"type":"array","items":{"type":"string"}}""",
            // legacy definitions, mutual recursion
            """
            {"definitions":{"expr":{"anyOf":[{"type":"number"},{"$ref":"#/definitions/op"}]},
             "op":{"type":"object","properties":{"op":{"enum":["+","-","*"]},"args":{"type":"array",
              "items":{"$ref":"#/definitions/expr"}}},"required":["op","args"],"additionalProperties":false}},
             "$ref":"#/definitions/expr"}""",
            // scalars at top level
            """
            {"type":["integer","string","null"]}""",
            // annotations everywhere
            """
            {"title":"Person","description":"d","$schema":"https://json-schema.org/draft/2020-12/schema",
             "type":"object","strict":true,"properties":{"name":{"type":"string","description":"n","default":"x"},
             "born":{"type":"integer","examples":[1990],"deprecated":false}},"required":["name","born"],
             "additionalProperties":false}""");

    private static String decodeStrict(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("invalid UTF-8 output", e);
        }
    }

    /** Closes nothing when it can help it: no quote, brace or bracket, no EOS. */
    private static boolean closes(byte[] b) {
        if (b == null) {
            return true;
        }
        for (byte x : b) {
            if (x == '"' || x == '}' || x == ']') {
                return true;
            }
        }
        return false;
    }

    /** Generates one document; fails if it does not complete within the budget. */
    static byte[] generate(Grammar g, TokenVocabulary vocab, int budget, SplittableRandom r, boolean adversarial) {
        GrammarConstraint c = new GrammarConstraint(g, vocab);
        List<Integer> out = new ArrayList<>();
        int remaining = budget;
        while (!c.isComplete()) {
            if (remaining == 0) {
                assertTrue(c.canEnd(), () -> "budget " + budget + " spent on an incomplete document: "
                        + TestVocab.text(out));
                break;
            }
            long[] mask = c.allowed(remaining);
            int id = TokenMasks.pickUniform(mask, r);
            if (adversarial && r.nextInt(10) != 0) {
                long[] open = mask.clone();
                boolean any = false;
                for (int t = 0; t < vocab.modelVocabSize; t++) {
                    if ((open[t >>> 6] >>> t & 1) != 0) {
                        if (vocab.isEos(t) || closes(vocab.bytes(t))) {
                            open[t >>> 6] &= ~(1L << t);
                        } else {
                            any = true;
                        }
                    }
                }
                if (any) {
                    id = TokenMasks.pickUniform(open, r);
                }
            }
            c.accept(id);
            if (vocab.isEos(id)) {
                break;
            }
            out.add(id);
            remaining--;
        }
        assertTrue(out.size() <= budget);
        return TestVocab.concat(out);
    }

    @Test
    void schemaOutputsValidate() throws Exception {
        TokenVocabulary vocab = TestVocab.vocab();
        int documents = 0;
        for (int s = 0; s < SCHEMAS.size(); s++) {
            JsonNode schemaNode = STRICT.readTree(SCHEMAS.get(s));
            JsonSchema validator = VALIDATORS.getSchema(schemaNode);
            Grammar g = Grammars.jsonSchema(schemaNode);
            int min = new GrammarConstraint(g, vocab).minTokens();
            for (int seed = 0; seed < 12; seed++) {
                SplittableRandom r = new SplittableRandom(1000L * s + seed);
                boolean adversarial = seed % 2 == 1;
                int[] budgets = {min, min + 1 + r.nextInt(8), 40 + r.nextInt(100), 300};
                int budget = budgets[seed % budgets.length];
                byte[] bytes = generate(g, vocab, Math.max(budget, min), r, adversarial);
                String text = decodeStrict(bytes);
                JsonNode doc;
                try {
                    doc = STRICT.readTree(text);
                } catch (Exception e) {
                    throw new AssertionError("schema " + s + " seed " + seed + ": not JSON: " + text, e);
                }
                Set<ValidationMessage> errors = validator.validate(doc);
                if (!errors.isEmpty()) {
                    fail("schema " + s + " seed " + seed + ": " + errors + " in " + text);
                }
                documents++;
            }
        }
        assertEquals(SCHEMAS.size() * 12, documents);
    }

    @Test
    void jsonObjectOutputsParse() throws Exception {
        TokenVocabulary vocab = TestVocab.vocab();
        Grammar g = Grammars.jsonObject();
        for (int seed = 0; seed < 40; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int budget = new int[] {2, 3, 10, 50, 200}[seed % 5];
            String text = decodeStrict(generate(g, vocab, budget, r, seed % 2 == 1));
            JsonNode doc = LENIENT.readTree(text);
            assertTrue(doc.isObject(), text);
        }
    }

    @Test
    void regexOutputsMatch() {
        TokenVocabulary vocab = TestVocab.vocab();
        List<String> patterns = List.of("(\\d{1,3}\\.){3}\\d{1,3}", "[a-z0-9._%+-]+@[a-z0-9-]+\\.(com|org|net)",
                "\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])", "\\(?\\d{3}\\)? ?\\d{3}-\\d{4}",
                "(yes|no|maybe)( because .+)?", "[^aeiou\\s]{2,5}\\w*", "\\S+\\s\\S+", "[A-Z][a-z]*( [A-Z][a-z]*)*",
                "(ab|a)*c?", "é.ü?[日本]+", "[\\x20-\\x7e]{0,20}", "-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
        for (String p : patterns) {
            Pattern java = Pattern.compile(p);
            Grammar g = Grammars.regex(p);
            int min = new GrammarConstraint(g, vocab).minTokens();
            for (int seed = 0; seed < 10; seed++) {
                SplittableRandom r = new SplittableRandom(seed * 7L + p.length());
                int budget = new int[] {min, min + 2, 16, 64, 160}[seed % 5];
                String text = decodeStrict(generate(g, vocab, Math.max(min, budget), r, seed % 2 == 1));
                assertTrue(java.matcher(text).matches(), () -> p + " does not match " + text);
            }
        }
    }

    @Test
    void choiceAndSequenceOutputs() throws Exception {
        TokenVocabulary vocab = TestVocab.vocab();
        List<String> options = List.of("positive", "negative", "neutral", "neg", "日本語", "");
        Grammar choice = Grammars.choice(options);
        JsonNode args = STRICT.readTree("""
                {"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},
                 "required":["city"],"additionalProperties":false}""");
        Grammar call = Grammars.sequence(Grammars.literal("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "),
                Grammars.jsonSchema(args), Grammars.literal("}\n</tool_call>"));
        JsonSchema validator = VALIDATORS.getSchema(args);
        for (int seed = 0; seed < 30; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            String c = decodeStrict(generate(choice, vocab, 20, r, false));
            assertTrue(options.contains(c), c);
            String text = decodeStrict(generate(call, vocab, 120 + seed, r, seed % 2 == 1));
            String prefix = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": ";
            assertTrue(text.startsWith(prefix) && text.endsWith("}\n</tool_call>"), text);
            JsonNode a = STRICT.readTree(text.substring(prefix.length(), text.length() - "}\n</tool_call>".length()));
            assertTrue(validator.validate(a).isEmpty(), text);
        }
    }

    @Test
    void everyBudgetFromTheMinimumCompletes() throws Exception {
        TokenVocabulary vocab = TestVocab.vocab();
        Grammar g = Grammars.jsonSchema(STRICT.readTree(SCHEMAS.get(0)));
        int min = new GrammarConstraint(g, vocab).minTokens();
        JsonSchema validator = VALIDATORS.getSchema(STRICT.readTree(SCHEMAS.get(0)));
        for (int budget = min; budget < min + 12; budget++) {
            for (int seed = 0; seed < 3; seed++) {
                String text = decodeStrict(generate(g, vocab, budget, new SplittableRandom(seed + 100L * budget),
                        seed != 0));
                assertTrue(validator.validate(STRICT.readTree(text)).isEmpty(), text);
            }
        }
    }
}
