package io.djinn.reasoning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReasoningParserTest {

    private static final ReasoningSyntax THINK = ReasoningSyntax.THINK;

    /** Reasoning and content, accumulated. */
    private record Result(String reasoning, String content) {}

    private static Result run(ReasoningParser parser, List<String> pieces) {
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (String piece : pieces) {
            ReasoningParser.Split split = parser.feed(piece);
            reasoning.append(split.reasoning());
            content.append(split.content());
        }
        ReasoningParser.Split split = parser.finish();
        return new Result(reasoning.append(split.reasoning()).toString(), content.append(split.content()).toString());
    }

    /** The same result for the text whole, char by char, cut at every position and in random pieces. */
    private static Result parse(boolean opened, String text) {
        Result whole = run(ReasoningParser.create(THINK, opened), List.of(text));
        List<String> chars = text.codePoints().mapToObj(Character::toString).toList();
        assertEquals(whole, run(ReasoningParser.create(THINK, opened), chars), "char by char: " + text);
        for (int cut = 0; cut <= text.length(); cut++) {
            assertEquals(whole, run(ReasoningParser.create(THINK, opened),
                    List.of(text.substring(0, cut), text.substring(cut))), "cut at " + cut + ": " + text);
        }
        Random random = new Random(text.hashCode());
        for (int i = 0; i < 5; i++) {
            List<String> pieces = new ArrayList<>();
            for (int at = 0; at < text.length(); ) {
                int end = Math.min(text.length(), at + random.nextInt(6));
                pieces.add(text.substring(at, end));
                at = end;
            }
            assertEquals(whole, run(ReasoningParser.create(THINK, opened), pieces), "random: " + text);
        }
        return whole;
    }

    @Test
    void reasoningWhenTheOutputOpensIt() {
        assertEquals(new Result("Let me think.", "The answer is 4."),
                parse(false, "<think>\nLet me think.\n</think>\n\nThe answer is 4."));
        assertEquals(new Result("a\n\nb", "c"), parse(false, "<think>a\n\nb</think>c"), "inner newlines kept");
        assertEquals(new Result("", "  \n<think>a</think>c"), parse(false, "  \n<think>a</think>c"),
                "a marker after leading whitespace does not open reasoning: the whitespace is not held back");
        assertEquals(new Result("", "Answer"), parse(false, "<think>\n\n</think>\n\nAnswer"), "empty reasoning");
        assertEquals(new Result("", "  indented"), parse(false, "<think></think>\n  indented"),
                "only newlines are stripped after the end marker");
    }

    @Test
    void noReasoningUnlessTheOutputStartsWithTheMarker() {
        assertEquals(new Result("", "Plain answer."), parse(false, "Plain answer."));
        assertEquals(new Result("", "\n\nHello <think>not reasoning</think>\n"),
                parse(false, "\n\nHello <think>not reasoning</think>\n"), "a later marker is content");
        assertEquals(new Result("", "<thinking>x</thinking>"), parse(false, "<thinking>x</thinking>"));
        assertEquals(new Result("", " <thin"), parse(false, " <thin"), "a prefix at the end is content");
        assertEquals(new Result("", ""), parse(false, ""));
    }

    @Test
    void reasoningWhenThePromptOpenedIt() {
        assertEquals(new Result("Hmm, 2 + 2.", "4"), parse(true, "Hmm, 2 + 2.\n</think>\n\n4"));
        assertEquals(new Result("Hmm.", "4"), parse(true, "\n<think>\nHmm.</think>4"),
                "a repeated start marker at the start is dropped");
        assertEquals(new Result("", "Direct."), parse(true, "</think>\n\nDirect."), "closed at once");
        assertEquals(new Result("x <think> y", "z"), parse(true, "x <think> y</think>z"),
                "a start marker inside the reasoning is reasoning");
    }

    @Test
    void contentAfterTheEndMarkerIsUntouched() {
        assertEquals(new Result("r", "<think>again</think> and </think>"),
                parse(false, "<think>r</think><think>again</think> and </think>"));
    }

    @Test
    void outputCutInsideTheReasoningIsAllReasoning() {
        assertEquals(new Result("Still thinking\n\n</thi", ""), parse(false, "<think>\nStill thinking\n\n</thi"));
        assertEquals(new Result("half", ""), parse(true, "half"));
        assertEquals(new Result("<thi", ""), parse(true, "\n<thi"));
        assertEquals(new Result("", ""), parse(false, "<think>"));
        assertEquals(new Result("", "\n<thi"), parse(false, "\n<thi"), "never opened: content");
    }

    @Test
    void unicodeAndMarkerLookalikes() {
        assertEquals(new Result("Réfléchissons… 🤔 </thinking> <", "Voilà ✓"),
                parse(false, "<think>Réfléchissons… 🤔 </thinking> <</think>Voilà ✓"));
    }

    @Test
    void passThroughParserLeavesEverythingToContent() {
        ReasoningParser parser = ReasoningParser.passThrough();
        assertEquals(new Result("", "<think>x</think>y"), run(parser, List.of("<thi", "nk>x</think>y")));
        assertFalse(parser.inReasoning());
    }

    @Test
    void reportsWhetherItIsInsideTheReasoningAndHowMuch() {
        ReasoningParser parser = ReasoningParser.create(THINK, true);
        assertTrue(parser.inReasoning(), "the prompt opened it");
        parser.feed("abc\n");
        assertTrue(parser.inReasoning());
        assertEquals(3, parser.reasoningChars(), "the held newline is not counted yet");
        parser.feed("de</th");
        assertTrue(parser.inReasoning());
        assertEquals(6, parser.reasoningChars());
        ReasoningParser.Split split = parser.feed("ink>\n\nok");
        assertFalse(parser.inReasoning());
        assertEquals(new ReasoningParser.Split("", "ok"), split);

        ReasoningParser lead = ReasoningParser.create(THINK, false);
        lead.feed("<think>");
        assertTrue(lead.inReasoning());
        assertEquals("</think>", lead.syntax().end(), "what a thinking budget must make the model emit");
    }

    @Test
    void streamsAsSoonAsItIsDecided() {
        ReasoningParser parser = ReasoningParser.create(THINK, false);
        assertEquals(ReasoningParser.Split.EMPTY, parser.feed("<th"));
        assertEquals(new ReasoningParser.Split("Step", ""), parser.feed("ink>\nStep\n"));
        assertEquals(new ReasoningParser.Split("\none ", ""), parser.feed("one <"), "the newline waited for text");
        assertEquals(new ReasoningParser.Split("<", ""), parser.feed("</"), "'<<' cannot start the marker, '</' can");
        assertEquals(new ReasoningParser.Split("", "Hi"), parser.feed("think>\nHi"));
        assertEquals(ReasoningParser.Split.EMPTY, parser.finish());
    }

    @Test
    void detection() {
        assertEquals(Optional.of(THINK), ReasoningSyntax.detect("{{ content.split('</think>')[-1] }}"));
        assertEquals(Optional.empty(), ReasoningSyntax.detect("<|im_start|>{{ message.content }}<|im_end|>"));
        assertEquals(Optional.empty(), ReasoningSyntax.detect(null));
        assertTrue(THINK.promptOpensReasoning("<|im_start|>assistant\n<think>\n"));
        assertFalse(THINK.promptOpensReasoning("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
        assertFalse(THINK.promptOpensReasoning("user: what does <think> do?<|im_end|>\n<|im_start|>assistant\n"));
    }
}
