package io.djinn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    /** Feeds the pieces; returns everything released and whether a stop string matched. */
    static String run(StopStringMatcher m, String... pieces) {
        StringBuilder out = new StringBuilder();
        for (String p : pieces) {
            StopStringMatcher.Step s = m.append(p);
            out.append(s.text());
            if (s.stopped()) {
                return out + "|STOP";
            }
        }
        return out + m.flush();
    }

    @Test
    void matchesAcrossPiecesAndCutsBeforeTheStopString() {
        assertEquals("Hello |STOP", run(new StopStringMatcher(List.of("wor"), false), "Hel", "lo w", "o", "rld"));
        assertEquals("Hello wor|STOP", run(new StopStringMatcher(List.of("wor"), true), "Hel", "lo w", "o", "rld"));
        assertEquals("abc", run(new StopStringMatcher(List.of("xyz"), false), "a", "b", "c"));
    }

    @Test
    void holdsBackOnlyWhatCouldStillBecomeAStopString() {
        StopStringMatcher m = new StopStringMatcher(List.of("END", "\n\n"), false);
        StopStringMatcher.Step s = m.append("text E");
        assertEquals("text ", s.text());
        assertFalse(s.stopped());
        s = m.append("N");
        assertEquals("", s.text(), "'EN' may still become 'END'");
        s = m.append("x\n");
        assertEquals("ENx", s.text(), "released as soon as it cannot match; the newline is held");
        s = m.append("\nmore");
        assertEquals("", s.text());
        assertTrue(s.stopped());
        assertEquals("", m.append("after").text(), "nothing after a match");
        assertEquals("", m.flush());
    }

    @Test
    void heldTextIsReleasedByFlushWhenNoMatchComes() {
        StopStringMatcher m = new StopStringMatcher(List.of("STOP"), false);
        assertEquals("a", m.append("aST").text());
        assertEquals("ST", m.flush());
    }

    @Test
    void earliestMatchWinsAndNoStopStringLeaks() {
        assertEquals("x|STOP", run(new StopStringMatcher(List.of("b", "ab"), false), "xa", "b"));
        assertEquals("xab|STOP", run(new StopStringMatcher(List.of("b", "ab"), true), "xa", "b"));
        assertEquals("|STOP", run(new StopStringMatcher(List.of("Hi"), false), "Hi there"));
        assertEquals("a|STOP", run(new StopStringMatcher(List.of("é!"), false), "aé", "!b"));
    }

    @Test
    void noStopStringsPassEverythingThrough() {
        StopStringMatcher m = new StopStringMatcher(List.of(), false);
        assertFalse(m.active());
        assertEquals("abc", m.append("abc").text());
    }
}
