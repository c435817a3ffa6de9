package io.djinn.tokenizer;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Each Jinja2/Python construct the Jinjava shims exist for, on small templates. */
class ChatTemplateShimTest {

    static String render(String template, Map<String, Object> vars) {
        return ChatTemplate.of(template, "<s>", "</s>").render(List.of(), null, false, vars);
    }

    static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void pythonStringMethods() {
        // booleans print lowercase, as in @huggingface/jinja (Python Jinja2 would print True/False)
        assertEquals("true false true", render("{{ 'hello'.startswith('he') }} {{ 'hello'.endswith('x') }} {{ 'hello'.endswith(('x', 'lo')) }}"));
        assertEquals("[ab]", render("[{{ '  ab \\n'.strip() }}]"));
        assertEquals("[ab]", render("[{{ 'xxabyy'.strip('xy') }}]"));
        assertEquals("[ab\\n\\n]", render("[{{ '\\n\\nab\\n\\n'.lstrip('\\n') | replace('\\n', '\\\\n') }}]"));
        assertEquals("[\\n\\nab]", render("[{{ '\\n\\nab\\n\\n'.rstrip('\\n') | replace('\\n', '\\\\n') }}]"));
        assertEquals("HELLO hello Hello World'S Hello world", render("{{ 'Hello'.upper() }} {{ 'HeLLo'.lower() }} {{ 'hello world\\'s'.title() }} {{ 'hELLO WORLD'.capitalize() }}"));
        assertEquals("a-b-c a-b,c", render("{{ 'a,b,c'.replace(',', '-') }} {{ 'a,b,c'.replace(',', '-', 1) }}"));
        assertEquals("2 -1 3", render("{{ 'abcabc'.find('c') }} {{ 'abc'.find('z') }} {{ 'a.b.c.'.count('.') }}"));
    }

    @Test
    void pythonSplitSemantics() {
        // separator: keeps empty fields (Java's String.split would drop the trailing ones and treat '.' as regex)
        assertEquals("4|a||b|", render("{% set p = 'a..b.'.split('.') %}{{ p|length }}|{{ p|join('|') }}"));
        // no separator: whitespace runs, no empty fields
        assertEquals("3|a|b|c", render("{% set p = '  a  b\\n\\tc '.split() %}{{ p|length }}|{{ p|join('|') }}"));
        assertEquals("2|a|b c", render("{% set p = 'a b c'.split(' ', 1) %}{{ p|length }}|{{ p|join('|') }}"));
        assertEquals("x", render("{{ 'a<think>x</think>y'.split('</think>')[0].split('<think>')[-1] }}"));
        assertEquals("y", render("{{ 'a<think>x</think>y'.split('</think>')[-1] }}"));
        assertEquals("a.b|c", render("{{ 'a.b.c'.rsplit('.', 1)|join('|') }}"));
    }

    @Test
    void dictGetWithDefault() {
        assertEquals("1 d", render("{{ m.get('a', 'd') }} {{ m.get('z', 'd') }}", Map.of("m", Map.of("a", 1))));
    }

    @Test
    void tojsonUsesPythonSpacingAndIndent() {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("name", "f");
        obj.put("args", Map.of("x", List.of(1, 2.5, true)));
        obj.put("none", null);
        obj.put("text", "é \"q\" \n\t<tag> & 🦙");
        obj.put("empty", Map.of());
        Map<String, Object> vars = Map.of("o", obj);
        assertEquals("{\"name\": \"f\", \"args\": {\"x\": [1, 2.5, true]}, \"none\": null, "
                + "\"text\": \"é \\\"q\\\" \\n\\t<tag> & 🦙\", \"empty\": {}}", render("{{ o|tojson }}", vars));
        assertEquals("{\n  \"name\": \"f\",\n  \"args\": {\n    \"x\": [\n      1,\n      2.5,\n      true\n    ]\n  },\n"
                + "  \"none\": null,\n  \"text\": \"é \\\"q\\\" \\n\\t<tag> & 🦙\",\n  \"empty\": {}\n}",
                render("{{ o|tojson(indent=2) }}", vars));
        assertEquals("[]", render("{{ [] | tojson(indent=4) }}"));
        assertEquals("\"a\\\\b\"", render("{{ s|tojson }}", Map.of("s", "a\\b")));
    }

    @Test
    void itemsFilterAndMethod() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", 1);
        m.put("b", "two");
        assertEquals("a=1;b=two;", render("{% for k, v in m|items %}{{ k }}={{ v }};{% endfor %}", Map.of("m", m)));
        assertEquals("a=1;b=two;", render("{% for k, v in m.items() %}{{ k }}={{ v }};{% endfor %}", Map.of("m", m)));
    }

    @Test
    void iterableTestIsTrueForStrings() {
        assertEquals("yes yes no", render("{{ 'yes' if 's' is iterable else 'no' }} {{ 'yes' if [1] is iterable else 'no' }} "
                + "{{ 'yes' if 3 is iterable else 'no' }}"));
    }

    @Test
    void namespaceWithExpressionKwarg() {
        assertEquals("2 true", render("{% set ns = namespace(last=xs|length - 1, flag=true) %}{{ ns.last }} {{ ns.flag|lower }}",
                Map.of("xs", List.of(1, 2, 3))));
        assertEquals("7", render("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}",
                Map.of("xs", List.of(3, 4))));
    }

    @Test
    void reverseSlice() {
        assertEquals("321", render("{% for x in xs[::-1] %}{{ x }}{% endfor %}", Map.of("xs", List.of(1, 2, 3))));
        assertEquals("c", render("{{ m.items[::-1][0] }}", Map.of("m", Map.of("items", List.of("a", "b", "c")))));
        assertEquals("[::-1]", render("{{ '[::-1]' }}"), "string literals are never rewritten");
    }

    @Test
    void notIsDefinedMeansNotOfTheTest() {
        assertEquals("undefined", render("{% if not x is defined %}undefined{% else %}defined{% endif %}"));
        assertEquals("defined", render("{% if not x is defined %}undefined{% else %}defined{% endif %}", Map.of("x", 1)));
        assertEquals("has", render("{% if not m.t is none %}has{% else %}none{% endif %}", Map.of("m", Map.of("t", 1))));
        assertEquals("set", render("{% if not x is not defined %}set{% endif %}", Map.of("x", 1)));
    }

    @Test
    void raiseExceptionCarriesTheTemplateMessage() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render("before {{ raise_exception('Only user and assistant roles are supported!') }} after"));
        assertEquals("Only user and assistant roles are supported!", e.getMessage());
        ChatTemplateException e2 = assertThrows(ChatTemplateException.class,
                () -> render("{% if true %}{{ raise_exception('bad ' ~ 'role') }}{% endif %}"));
        assertEquals("bad role", e2.getMessage());
    }

    @Test
    void strftimeNow() {
        String expected = LocalDate.now().format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH));
        String actual = render("{{ strftime_now('%d %b %Y') }}");
        // tolerate a date change at midnight between the two calls
        assertTrue(actual.equals(expected)
                || actual.equals(LocalDate.now().format(DateTimeFormatter.ofPattern("dd MMM yyyy", Locale.ENGLISH))), actual);
        assertEquals(String.valueOf(LocalDate.now().getYear()), render("{{ strftime_now('%Y') }}"));
    }

    @Test
    void whitespaceControlLikeTransformers() {
        // trim_blocks + lstrip_blocks: block tags own their line; '-' strips explicitly
        String t = "<a>\n    {% for x in xs %}\n    {{ x }}\n    {% endfor %}\n</a>\n{{- '  end  ' -}}\n!";
        assertEquals("<a>\n    1\n    2\n</a>  end  !", render(t, Map.of("xs", List.of(1, 2))));
        assertEquals("ab", render("a  {%- if true -%}  \n  b{%- endif %}"));
        assertEquals("x\n", render("{# comment #}\nx\n"));
    }

    @Test
    void bosEosAndGenerationPromptVariables() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m.content }}{{ eos_token }}{% endfor %}"
                + "{% if add_generation_prompt %}assistant:{% endif %}{% if tools %}T{{ tools|length }}{% endif %}{{ extra_var }}", "<s>", "</s>");
        assertEquals("<s>user:hi</s>assistant:T1!", t.render(List.of(Map.of("role", "user", "content", "hi")),
                List.of(Map.of("type", "function")), true, Map.of("extra_var", "!")));
        assertEquals("<s>user:hi</s>", t.render(List.of(Map.of("role", "user", "content", "hi")), null, false, null));
    }

    @Test
    void syntaxErrorsAreChatTemplateExceptions() {
        assertThrows(ChatTemplateException.class, () -> render("{% endfor %}"));
        assertThrows(ChatTemplateException.class, () -> render("{% if true %}unclosed"));
        assertThrows(ChatTemplateException.class, () -> render("x{{ (1 }}"));
    }
}
