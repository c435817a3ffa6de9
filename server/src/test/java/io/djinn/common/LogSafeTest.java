package io.djinn.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Issue 16 item 11: request text in a log line cannot start another line. */
class LogSafeTest {

    @Test
    void controlCharactersAreEscaped() {
        assertEquals("a\\nINFO forged\\r\\t\\u001b[31m\\u2028\\u202e\\\\n", LogSafe.escape(
                "a\nINFO forged\r\t\u001b[31m\u2028\u202e\\n"));
        String plain = "plain text, ünïcödé";
        assertSame(plain, LogSafe.escape(plain));
    }

    @Test
    void anExceptionKeepsItsTraceWithEscapedMessages() {
        Exception e = new IllegalStateException("bad\nFAKE LINE", new RuntimeException("cause\r\nFAKE"));
        StringWriter out = new StringWriter();
        LogSafe.escaped(e).printStackTrace(new PrintWriter(out));
        String[] lines = out.toString().split("\n");
        assertEquals("java.lang.IllegalStateException: bad\\nFAKE LINE", lines[0]);
        for (String line : lines) {
            assertFalse(line.startsWith("FAKE"), line);
        }
        assertEquals(e.getStackTrace().length, LogSafe.escaped(e).getStackTrace().length);
    }
}
