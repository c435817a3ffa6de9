package io.djinn.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The process start the start-up breakdown counts from: to the clock tick, not to /proc/stat's whole-second boot time. */
class StartupClockTest {

    @Test
    void elapsedTimeComesFromTheStartTicksAndTheUptime() {
        // a command name with spaces and parentheses must not shift the fields; start time (field 22) = 123456 ticks
        String stat = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 6 0 0 20 0 30 0 123456 1000 10 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        assertEquals(1_500, StartupClock.elapsedSinceProcessStartMillis(stat, "1236.06 2400.00\n"));
    }

    @Test
    void theProcessStartedJustBeforeTheJvmSaysItDid() {
        long process = StartupClock.processStartEpochMillis();
        long jvm = ManagementFactory.getRuntimeMXBean().getStartTime();
        // the kernel's start precedes the JVM's own start mark by the launcher's work; ticks are 10 ms
        assertTrue(process <= jvm + 20, "process " + process + " after the JVM's start " + jvm);
        assertTrue(jvm - process < 5_000, "process " + process + " long before the JVM's start " + jvm);
    }
}
