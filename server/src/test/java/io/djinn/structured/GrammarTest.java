package io.djinn.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each construct accepts and refuses the byte strings it should; bad schemas and regexes name what is wrong. */
class GrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static boolean matches(Grammar g, byte[] bytes) {
        Frontier f = Frontier.start(((Rule) g).compiled()).step(bytes);
        return f != null && f.complete;
    }

    static boolean matches(Grammar g, String text) {
        return matches(g, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A prefix of some document. */
    static boolean viable(Grammar g, String text) {
        return Frontier.start(((Rule) g).compiled()).step(text.getBytes(StandardCharsets.UTF_8)) != null;
    }

    private static void accepts(Grammar g, String... texts) {
        for (String t : texts) {
            assertTrue(matches(g, t), () -> g + " should accept " + t);
        }
    }

    private static void rejects(Grammar g, String... texts) {
        for (String t : texts) {
            assertFalse(matches(g, t), () -> g + " should reject " + t);
        }
    }

    private static Grammar schema(String json) throws Exception {
        return Grammars.jsonSchema(JSON.readTree(json));
    }

    private static SchemaException schemaError(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return assertThrows(SchemaException.class, () -> Grammars.jsonSchema(node));
    }

    private static SchemaException regexError(String pattern) {
        return assertThrows(SchemaException.class, () -> Grammars.regex(pattern));
    }

    // ---------------------------------------------------------------- combinators

    @Test
    void literalAndChoice() {
        Grammar lit = Grammars.literal("héllo");
        accepts(lit, "héllo");
        rejects(lit, "", "hello", "héll", "héllo!");
        assertEquals(6, lit.minLength());

        Grammar choice = Grammars.choice(List.of("yes", "no", "yesterday", ""));
        accepts(choice, "yes", "no", "yesterday", "");
        rejects(choice, "ye", "n", "yess", "maybe");
        assertEquals(0, choice.minLength());
        assertThrows(SchemaException.class, () -> Grammars.choice(List.of()));
    }

    @Test
    void sequenceAnyOfRepeat() {
        Grammar ab = Grammars.sequence(Grammars.literal("a"), Grammars.choice(List.of("b", "bb")));
        accepts(ab, "ab", "abb");
        rejects(ab, "a", "abbb", "b");

        Grammar any = Grammars.anyOf(Grammars.literal("x"), Grammars.regex("[0-9]+"));
        accepts(any, "x", "0", "123");
        rejects(any, "", "x1", "a");

        Grammar list = Grammars.repeat(Grammars.regex("[a-z]"), Grammars.literal(","), 2, 4);
        accepts(list, "a,b", "a,b,c", "a,b,c,d");
        rejects(list, "", "a", "a,b,c,d,e", "ab", "a,,b", "a,b,");
        assertEquals(3, list.minLength());

        Grammar unbounded = Grammars.repeat(Grammars.literal("ab"), null, 0, -1);
        accepts(unbounded, "", "ab", "ababab");
        rejects(unbounded, "a", "aba");

        Grammar atLeast = Grammars.repeat(Grammars.literal("x"), Grammars.literal("-"), 3, -1);
        accepts(atLeast, "x-x-x", "x-x-x-x-x");
        rejects(atLeast, "x-x", "xxx", "x-x-x-");
        assertThrows(IllegalArgumentException.class, () -> Grammars.repeat(Grammars.literal("x"), null, 3, 2));
    }

    @Test
    void toolCallShape() throws Exception {
        Grammar args = schema("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"],\"additionalProperties\":false}");
        Grammar call = Grammars.sequence(Grammars.literal("<tool_call>\n{\"name\": \"weather\", \"arguments\": "),
                args, Grammars.literal("}\n</tool_call>"));
        accepts(call, "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Porto\"}}\n</tool_call>");
        rejects(call, "<tool_call>\n{\"name\": \"weather\", \"arguments\": {}}\n</tool_call>");
    }

    // ---------------------------------------------------------------- regex

    @Test
    void regexConstructs() {
        accepts(Grammars.regex("abc"), "abc");
        accepts(Grammars.regex("^a|b$"), "a", "b");
        rejects(Grammars.regex("^a|b$"), "ab", "");
        Grammar dot = Grammars.regex("a.c");
        accepts(dot, "abc", "a c", "aéc", "a😀c", "a\u0000c");
        rejects(dot, "a\nc", "a\rc", "a\u2028c", "ac", "abbc");
        Grammar cls = Grammars.regex("[a-c0-9_]+[^a-z\\d]");
        accepts(cls, "a0_X", "cc9é", "b😀");
        rejects(cls, "a0_x", "d0X", "a5");
        accepts(Grammars.regex("\\d\\w\\s\\D\\W\\S"), "1a x!z", "0_\tA.é");
        rejects(Grammars.regex("\\d"), "٣", "a");
        Grammar groups = Grammars.regex("(ab|cd)(?:e|f)(?<name>g)?");
        accepts(groups, "abe", "cdfg", "abfg");
        rejects(groups, "abcd", "ab", "abeg g");
        Grammar quant = Grammars.regex("a*b+c?d{2}e{1,}f{1,3}g{,2}h*?");
        accepts(quant, "aabbbcddeeefffgg", "bddef", "bddefgghhh");
        rejects(quant, "bdef", "bddeffff", "bddefggg", "ddef");
        Grammar escapes = Grammars.regex("\\.\\*\\(\\)\\[\\]\\{\\}\\|\\\\\\n\\t\\x41\\u00e9\\x{1F600}/");
        accepts(escapes, ".*()[]{}|\\\n\tAé😀/");
        accepts(Grammars.regex("[\\]\\-a]+"), "]-a");
        accepts(Grammars.regex("[-a]"), "-");
        accepts(Grammars.regex("[a-]"), "-");
        accepts(Grammars.regex("x{"), "x{");
        accepts(Grammars.regex("é+"), "ééé");
        rejects(Grammars.regex("é+"), "e");
        accepts(Grammars.regex(""), "");
        accepts(Grammars.regex("(a|)b"), "b", "ab");
        accepts(Grammars.regex("[^\"]*"), "", "abc", "日本");
        rejects(Grammars.regex("[^\"]*"), "a\"b");
    }

    @Test
    void regexErrorsNameTheConstruct() {
        assertTrue(regexError("(a)\\1").getMessage().contains("backreference"));
        assertTrue(regexError("a(?=b)").getMessage().contains("lookaround"));
        assertTrue(regexError("(?<!a)b").getMessage().contains("lookaround"));
        assertTrue(regexError("(?i)abc").getMessage().contains("flags"));
        assertTrue(regexError("\\bword\\b").getMessage().contains("anchor"));
        assertTrue(regexError("\\p{L}").getMessage().contains("Unicode properties"));
        assertTrue(regexError("a*+").getMessage().contains("possessive"));
        assertTrue(regexError("a**").getMessage().contains("multiple repeat"));
        assertTrue(regexError("*a").getMessage().contains("nothing to repeat"));
        assertTrue(regexError("(ab").getMessage().contains("missing ')'"));
        assertTrue(regexError("ab)").getMessage().contains("unbalanced"));
        assertTrue(regexError("a$b").getMessage().contains("'$'"));
        assertTrue(regexError("a^b").getMessage().contains("'^'"));
        assertTrue(regexError("[a-").getMessage().contains("unterminated"));
        assertTrue(regexError("[z-a]").getMessage().contains("out of order"));
        assertTrue(regexError("a{1001}").getMessage().contains("1000"));
        assertEquals("regex[3]", regexError("abc\\1").path());
        assertTrue(regexError("[^\\s\\S]").getMessage().contains("no finite document"));
    }

    // ---------------------------------------------------------------- JSON

    @Test
    void jsonObjectGrammar() {
        Grammar g = Grammars.jsonObject();
        accepts(g, "{}", "{\"a\":1}", "{\"a\": 1, \"b\":[true,false,null]}", "{\"\":{\"x\":{}}}",
                "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uFFFF\"}", "{\"ü😀\":\"日本\"}",
                "{\"n\":[-0,0.5,1e5,-12.25E-07,1E+99,9999999999999999]}", "{\"a\":[[],[[]],{}]}");
        rejects(g, "", "[]", "\"x\"", "1", "{ }", "{\"a\" :1}", "{\"a\":1 }", "{\"a\":1,}", "{,}",
                "{\"a\":  1}", "{\"a\":1,  \"b\":2}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
                "{\"a\":1e}", "{\"a\":1e100}", "{\"a\":99999999999999999}", "{\"a\":\"\u0001\"}",
                "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\uDFFF\"}", "{\"a\":tru}", "{\"a\":NaN}",
                "{\"a\":1}{}", "{\"a\":1}\n", " {}");
        assertFalse(matches(g, new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}), "truncated UTF-8");
        assertFalse(matches(g, new byte[] {'{', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ':', '1', '}'}),
                "encoded surrogate");
        assertFalse(matches(g, new byte[] {'{', '"', (byte) 0xC0, (byte) 0x80, '"', ':', '1', '}'}), "overlong");
        assertEquals(2, g.minLength());
        assertSame(g, Grammars.jsonObject());
    }

    @Test
    void schemaTypes() throws Exception {
        accepts(schema("{\"type\":\"string\"}"), "\"\"", "\"a b\"", "\"\\n\"");
        rejects(schema("{\"type\":\"string\"}"), "1", "null", "\"a");
        accepts(schema("{\"type\":\"integer\"}"), "0", "-5", "1234567890123456");
        rejects(schema("{\"type\":\"integer\"}"), "1.5", "1e3", "\"1\"", "-");
        accepts(schema("{\"type\":\"number\"}"), "0", "-5", "1.5", "2e-3");
        accepts(schema("{\"type\":\"boolean\"}"), "true", "false");
        rejects(schema("{\"type\":\"boolean\"}"), "null", "True");
        accepts(schema("{\"type\":\"null\"}"), "null");
        Grammar nullable = schema("{\"type\":[\"string\",\"null\"]}");
        accepts(nullable, "null", "\"x\"");
        rejects(nullable, "1", "{}");
        accepts(schema("{}"), "1", "\"s\"", "null", "[1,{\"a\":[]}]", "{\"k\":true}");
        accepts(schema("true"), "[]");
        Grammar bare = schema("{\"title\":\"T\",\"description\":\"d\",\"$schema\":\"x\",\"default\":1,"
                + "\"examples\":[1],\"$comment\":\"c\",\"$id\":\"i\",\"deprecated\":false,\"readOnly\":true,"
                + "\"writeOnly\":false,\"strict\":true,\"type\":\"integer\"}");
        accepts(bare, "7");
    }

    @Test
    void schemaObjects() throws Exception {
        Grammar g = schema("{\"type\":\"object\",\"properties\":{"
                + "\"name\":{\"type\":\"string\"},\"age\":{\"type\":\"integer\"},\"tags\":{\"type\":\"array\","
                + "\"items\":{\"type\":\"string\"}},\"a\\\"b\":{\"type\":\"boolean\"}},"
                + "\"required\":[\"name\",\"tags\"],\"additionalProperties\":false}");
        accepts(g, "{\"name\":\"x\",\"tags\":[]}", "{\"name\": \"x\", \"age\": 3, \"tags\": [\"a\", \"b\"]}",
                "{\"name\":\"x\",\"tags\":[\"a\"],\"a\\\"b\":true}", "{\"name\":\"x\",\"age\":1,\"tags\":[],"
                        + "\"a\\\"b\":false}");
        rejects(g, "{}", "{\"name\":\"x\"}", "{\"tags\":[],\"name\":\"x\"}", "{\"name\":\"x\",\"tags\":[],"
                + "\"age\":1}", "{\"name\":\"x\",\"name\":\"y\",\"tags\":[]}", "{\"name\":\"x\",\"tags\":[],"
                + "\"other\":1}", "{\"name\":\"x\",\"tags\":[1]}", "{\"name\":\"x\",\"age\":1.5,\"tags\":[]}");
        assertEquals("{\"name\":\"\",\"tags\":[]}".length(), g.minLength());

        Grammar empty = schema("{\"type\":\"object\",\"additionalProperties\":false}");
        accepts(empty, "{}");
        rejects(empty, "{\"a\":1}");
        Grammar allOptional = schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},"
                + "\"b\":{\"type\":\"integer\"},\"c\":{\"type\":\"integer\"}}}");
        accepts(allOptional, "{}", "{\"a\":1}", "{\"b\":1}", "{\"c\":1}", "{\"a\":1,\"c\":2}", "{\"a\":1, \"b\":2, "
                + "\"c\":3}");
        rejects(allOptional, "{,\"a\":1}", "{\"a\":1,}", "{\"c\":1,\"a\":2}", "{\"a\":1\"b\":2}");
        Grammar nested = schema("{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"object\",\"properties\":"
                + "{\"q\":{\"type\":[\"number\",\"null\"]}},\"required\":[\"q\"]}},\"required\":[\"p\"]}");
        accepts(nested, "{\"p\":{\"q\":null}}", "{\"p\": {\"q\": -1.5}}");
        rejects(nested, "{\"p\":{}}", "{\"p\":null}");
        Grammar keys = schema("{\"type\":\"object\",\"properties\":{\"é\\n\":{\"const\":1}},\"required\":[\"é\\n\"]}");
        accepts(keys, "{\"é\\n\":1}");
        rejects(keys, "{\"é\n\":1}", "{\"\\u00e9\\n\":1}");
    }

    @Test
    void schemaEnumsConstAnyOfRefs() throws Exception {
        Grammar e = schema("{\"enum\":[\"red\",\"green\",1,null,true,{\"a\":[1,\"x\"]},[],\"q\\\"\"]}");
        accepts(e, "\"red\"", "\"green\"", "1", "null", "true", "{\"a\":[1,\"x\"]}", "{\"a\": [1, \"x\"]}", "[]",
                "\"q\\\"\"");
        rejects(e, "\"blue\"", "2", "false", "{\"a\":[1]}", "\"Red\"");
        Grammar typed = schema("{\"type\":\"string\",\"enum\":[\"a\",1,\"b\"]}");
        accepts(typed, "\"a\"", "\"b\"");
        rejects(typed, "1");
        accepts(schema("{\"const\":\"fixed\"}"), "\"fixed\"");
        rejects(schema("{\"const\":\"fixed\"}"), "\"other\"");

        Grammar any = schema("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"object\",\"properties\":{\"x\":"
                + "{\"type\":\"string\"}},\"required\":[\"x\"]},{\"type\":\"null\"}]}");
        accepts(any, "5", "{\"x\":\"\"}", "null");
        rejects(any, "{}", "\"x\"");

        Grammar tree = schema("{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{"
                + "\"value\":{\"type\":\"integer\"},\"children\":{\"type\":\"array\",\"items\":{\"$ref\":"
                + "\"#/$defs/node\"}}},\"required\":[\"value\",\"children\"],\"additionalProperties\":false}}}");
        accepts(tree, "{\"value\":1,\"children\":[]}",
                "{\"value\":1,\"children\":[{\"value\":2,\"children\":[{\"value\":3,\"children\":[]}]}]}");
        rejects(tree, "{\"value\":1}", "{\"value\":1,\"children\":[{}]}");
        assertEquals("{\"value\":0,\"children\":[]}".length(), tree.minLength());

        Grammar root = schema("{\"type\":\"object\",\"properties\":{\"next\":{\"anyOf\":[{\"$ref\":\"#\"},"
                + "{\"type\":\"null\"}]}},\"required\":[\"next\"]}");
        accepts(root, "{\"next\":null}", "{\"next\":{\"next\":{\"next\":null}}}");
        Grammar legacy = schema("{\"definitions\":{\"id\":{\"type\":\"integer\"}},\"type\":\"array\","
                + "\"items\":{\"$ref\":\"#/definitions/id\"}}");
        accepts(legacy, "[]", "[1,2]", "[1, 2]");
        rejects(legacy, "[1,]", "[\"1\"]");
    }

    @Test
    void schemaErrorsNameTheirPath() throws Exception {
        assertEquals("properties.age.minimum", schemaError("{\"type\":\"object\",\"properties\":{\"age\":"
                + "{\"type\":\"integer\",\"minimum\":0}}}").path());
        assertEquals("pattern", schemaError("{\"type\":\"string\",\"pattern\":\"a+\"}").path());
        assertEquals("items.format", schemaError("{\"type\":\"array\",\"items\":{\"type\":\"string\","
                + "\"format\":\"date\"}}").path());
        assertEquals("minItems", schemaError("{\"type\":\"array\",\"minItems\":1}").path());
        assertEquals("oneOf", schemaError("{\"oneOf\":[{\"type\":\"string\"}]}").path());
        assertEquals("allOf", schemaError("{\"allOf\":[{\"type\":\"string\"}]}").path());
        assertEquals("not", schemaError("{\"not\":{}}").path());
        assertEquals("patternProperties", schemaError("{\"type\":\"object\",\"patternProperties\":{}}").path());
        assertEquals("if", schemaError("{\"if\":{},\"then\":{}}").path());
        assertEquals("anyOf.1.maxLength", schemaError("{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"string\","
                + "\"maxLength\":3}]}").path());
        assertEquals("$defs.x.exclusiveMaximum", schemaError("{\"$defs\":{\"x\":{\"type\":\"number\","
                + "\"exclusiveMaximum\":3}},\"type\":\"string\"}").path());
        assertEquals("additionalProperties", schemaError("{\"type\":\"object\",\"additionalProperties\":true}")
                .path());
        assertEquals("additionalProperties", schemaError("{\"type\":\"object\",\"additionalProperties\":"
                + "{\"type\":\"string\"}}").path());
        assertEquals("required", schemaError("{\"type\":\"object\",\"properties\":{},\"required\":[\"x\"]}").path());
        assertEquals("type", schemaError("{\"type\":\"date\"}").path());
        assertEquals("type.1", schemaError("{\"type\":[\"string\",\"float\"]}").path());
        assertEquals("$ref", schemaError("{\"$ref\":\"#/$defs/missing\"}").path());
        assertEquals("$ref", schemaError("{\"$ref\":\"https://example.com/s.json\"}").path());
        assertEquals("type", schemaError("{\"$ref\":\"#\",\"type\":\"object\"}").path());
        assertEquals("enum", schemaError("{\"type\":\"integer\",\"enum\":[\"a\"]}").path());
        assertEquals("enum", schemaError("{\"enum\":[]}").path());
        assertEquals("items", schemaError("{\"type\":\"array\",\"items\":[{\"type\":\"string\"}]}").path());
        assertEquals("", schemaError("false").path());
        // A required property that refers back to the root: no finite document.
        assertTrue(schemaError("{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#\"}},\"required\":[\"a\"]}")
                .getMessage().contains("no finite document"));
        assertTrue(schemaError("{\"$defs\":{\"a\":{\"anyOf\":[{\"$ref\":\"#/$defs/a\"},{\"type\":\"null\"}]}},"
                + "\"$ref\":\"#/$defs/a\"}").getMessage().contains("left recursion"));
    }

    @Test
    void schemaGrammarsAreCachedBySchemaText() throws Exception {
        String s = "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}}}";
        assertSame(schema(s), schema(s));
        assertSame(Grammars.regex("a+"), Grammars.regex("a+"));
        // Same schema for JsonNode.equals, but the emission order differs.
        Grammar ab = schema("{\"properties\":{\"a\":{\"type\":\"null\"},\"b\":{\"type\":\"null\"}},"
                + "\"required\":[\"a\",\"b\"]}");
        Grammar ba = schema("{\"properties\":{\"b\":{\"type\":\"null\"},\"a\":{\"type\":\"null\"}},"
                + "\"required\":[\"a\",\"b\"]}");
        accepts(ab, "{\"a\":null,\"b\":null}");
        rejects(ab, "{\"b\":null,\"a\":null}");
        accepts(ba, "{\"b\":null,\"a\":null}");
    }

    @Test
    void largeSchemasCompileQuickly() throws Exception {
        StringBuilder sb = new StringBuilder("{\"type\":\"object\",\"properties\":{");
        for (int i = 0; i < 300; i++) {
            sb.append(i == 0 ? "" : ",").append("\"field").append(i).append("\":{\"type\":\"object\",\"properties\":{");
            for (int j = 0; j < 8; j++) {
                sb.append(j == 0 ? "" : ",").append("\"p").append(j).append("\":{\"type\":[\"string\",\"integer\"]}");
            }
            sb.append("},\"required\":[\"p0\"]}");
        }
        sb.append(",\"choice\":{\"enum\":[");
        for (int i = 0; i < 2000; i++) {
            sb.append(i == 0 ? "" : ",").append("\"value number ").append(i).append('"');
        }
        sb.append("]}},\"required\":[\"field7\",\"choice\"]}");
        long t0 = System.nanoTime();
        Grammar g = schema(sb.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 5000, "compiled in " + ms + " ms");
        accepts(g, "{\"field7\":{\"p0\":1},\"choice\":\"value number 1999\"}");
        rejects(g, "{\"field7\":{\"p0\":1},\"choice\":\"value number 2000\"}");
    }

    @Test
    void pathologicalGrammarsAreRefusedOrBounded() throws Exception {
        // Ambiguous across rules at every level: parses would double with each '['; the frontier keeps a bounded set.
        Grammar g = schema("{\"$defs\":{\"a\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}},"
                + "\"b\":{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}},\"anyOf\":[{\"$ref\":\"#/$defs/a\"},"
                + "{\"$ref\":\"#/$defs/b\"}]}");
        String deep = "[".repeat(30) + "]".repeat(30);
        assertTrue(matches(g, deep));
        Frontier f = Frontier.start(((Rule) g).compiled()).step("[".repeat(30).getBytes(StandardCharsets.UTF_8));
        assertTrue(f.stacks.length <= Frontier.MAX_STACKS);
        // Ambiguous repetition: the subset construction would blow up.
        assertThrows(SchemaException.class, () -> Grammars.regex("(\\w+\\s?){1,1000}x"));
    }

    @Test
    void prefixesStayViable() throws Exception {
        Grammar g = schema("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
                + "\"required\":[\"name\"]}");
        assertTrue(viable(g, "{\"na"));
        assertTrue(viable(g, "{\"name\": \"abc"));
        assertFalse(viable(g, "{\"nb"));
        assertFalse(viable(g, "{\"name\":  "));
    }
}
