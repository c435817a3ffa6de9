package io.djinn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Slot choice and prefix accounting, without a model. */
class PrefixCacheTest {

    private static Sequence seq(int[] prompt) {
        return new Sequence(1, prompt, SamplingParams.builder().maxTokens(4).build(), Priority.DEFAULT,
                new RecordingSink());
    }

    private static int[] range(int from, int n) {
        return IntStream.range(from, from + n).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void reusesWholeBlocksOfTheBestFreeSlotAndAlwaysRecomputesTheLastToken() {
        PrefixCache c = new PrefixCache(2, 256);
        int[] p = range(0, 40);
        PrefixCache.Lease first = c.acquire(seq(p));
        assertEquals(0, first.reused());
        c.written(first.slot(), 0, p);
        c.release(first.slot());
        // same 40 tokens: at most 39 reusable, rounded down to 32 (two 16-token blocks)
        PrefixCache.Lease again = c.acquire(seq(p));
        assertEquals(first.slot(), again.slot());
        assertEquals(32, again.reused());
        assertEquals(-1, again.copyFrom());
        assertEquals(1, c.used());
    }

    @Test
    void aMatchShorterThanABlockIsNoHit() {
        PrefixCache c = new PrefixCache(1, 256);
        int[] p = range(0, 40);
        PrefixCache.Lease first = c.acquire(seq(p));
        c.written(first.slot(), 0, p);
        c.release(first.slot());
        int[] q = concat(range(0, 15), range(300, 30));
        assertEquals(0, c.acquire(seq(q)).reused());
    }

    @Test
    void copiesAPrefixFromARunningSlot() {
        PrefixCache c = new PrefixCache(2, 256);
        int[] system = range(100, 64);
        PrefixCache.Lease running = c.acquire(seq(concat(system, range(0, 5))));
        c.written(running.slot(), 0, concat(system, range(0, 5)));
        PrefixCache.Lease other = c.acquire(seq(concat(system, range(500, 7))));
        assertNotEquals(running.slot(), other.slot());
        assertEquals(running.slot(), other.copyFrom());
        assertEquals(64, other.reused());
    }

    @Test
    void keepsAnotherConversationsLaterTurnsByCopyingIntoASpareSlot() {
        PrefixCache c = new PrefixCache(3, 256);
        int[] system = range(100, 48);
        int[] a = concat(system, range(0, 60));
        PrefixCache.Lease la = c.acquire(seq(a));
        c.written(la.slot(), 0, a);
        c.release(la.slot());
        PrefixCache.Lease lb = c.acquire(seq(concat(system, range(700, 10))));
        assertNotEquals(la.slot(), lb.slot(), "a's slot keeps its 60 later tokens");
        assertEquals(la.slot(), lb.copyFrom());
        assertEquals(48, lb.reused());
        c.written(lb.slot(), 48, range(700, 10));
        c.release(lb.slot());
        // a's conversation continues: its own slot still holds all of it
        PrefixCache.Lease again = c.acquire(seq(concat(a, range(900, 3))));
        assertEquals(la.slot(), again.slot());
        assertEquals(a.length / 16 * 16, again.reused());
    }
}
