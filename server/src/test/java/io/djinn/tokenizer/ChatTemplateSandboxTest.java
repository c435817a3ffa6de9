package io.djinn.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chat template is untrusted code: it cannot load files, and its output, steps and time are bounded (issue 16
 * items 3, 4 and 9).
 */
class ChatTemplateSandboxTest {

    private static final List<Map<String, Object>> HI = List.of(Map.of("role", "user", "content", "hi"));

    private static String render(String source, TemplateLimits limits) {
        return ChatTemplate.of(source, "<s>", "</s>").render(HI, null, true, null, limits);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{% include 'application.properties' %}",
        "{% include 'META-INF/MANIFEST.MF' %}",
        "{% include 'io/djinn/tokenizer/ChatTemplate.class' %}",
        "{% import 'application.properties' as p %}{{ p }}",
        "{% from 'application.properties' import x %}{{ x }}",
        "{% extends 'application.properties' %}",
        "x{% include 'tokenizer-corpus.txt' ignore missing %}y"})
    void loadsNothing(String template) {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render(template, TemplateLimits.DEFAULT));
        assertFalse(e.getMessage().contains("quarkus"), e.getMessage());
    }

    @Test
    void outputIsBounded() {
        TemplateLimits limits = new TemplateLimits(100_000, 5_000_000, Duration.ofSeconds(30));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render("{{ 'a'|center(20000000) }}", limits));
        assertTrue(e.getMessage().contains("100000"), e.getMessage());
        e = assertThrows(ChatTemplateException.class, () -> render(
                "{% set s = 'ab' %}{% for i in range(24) %}{% set s = s + s %}{% endfor %}{{ s|length }}", limits));
        assertTrue(e.getMessage().contains("100000"), e.getMessage());
    }

    @Test
    void stepsAreBounded() {
        TemplateLimits limits = new TemplateLimits(4_000_000, 200_000, Duration.ofSeconds(60));
        String loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{% for d in range(1000) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(loops, limits));
        assertTrue(e.getMessage().contains("200000 steps"), e.getMessage());
    }

    @Test
    void timeIsBounded() {
        TemplateLimits limits = new TemplateLimits(4_000_000, Long.MAX_VALUE, Duration.ofMillis(300));
        String loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                + "{% set x = a ~ b ~ c %}{% endfor %}{% endfor %}{% endfor %}";
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(loops, limits));
        assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
    }

    @Test
    void deepNestingIsAnErrorNotAStackOverflow() {
        String deep = "{{ " + "(".repeat(1000) + "1" + ")".repeat(1000) + " }}";
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(deep, TemplateLimits.DEFAULT));
        assertTrue(e.getMessage().contains("nest"), e.getMessage());
        String fine = "{{ " + "(".repeat(20) + "1" + ")".repeat(20) + " }}";
        assertEquals("1", render(fine, TemplateLimits.DEFAULT));
    }
}
