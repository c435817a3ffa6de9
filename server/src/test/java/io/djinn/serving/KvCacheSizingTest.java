package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** KV-cache sizing from given memory figures (no device needed). */
class KvCacheSizingTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    @Test
    void gpuBudgetIsFreeMemoryLessTheUnusedShareAndTheWorkspace() {
        // an H200-like device: 140 GiB, 137 GiB free after 2 GiB of weights; 0.9 leaves 14 GiB to others
        long budget = KvCacheSizing.gpuBudget(137 * GIB, 140 * GIB, 0.9, 1 * GIB);
        assertEquals(137 * GIB - (long) Math.ceil(140 * GIB * 0.1) - GIB, budget);
        // 1.07B Llama at 4096 tokens: 2 x 16 layers x 8 kv heads x 64 x 4096 x 2 bytes = 128 MiB per slot
        KvCacheSizing s = KvCacheSizing.fit(256, 128 * MIB, budget, "test");
        assertEquals(256, s.slots(), "max-num-seqs caps the slots when memory is plenty");
        assertEquals(256 * 128 * MIB, s.bytes());
        // a 24 GiB device with 20 GiB free: (20 - 2.4 - 1) GiB / 128 MiB = 132 slots
        long small = KvCacheSizing.gpuBudget(20 * GIB, 24 * GIB, 0.9, GIB);
        KvCacheSizing t = KvCacheSizing.fit(256, 128 * MIB, small, "test");
        assertEquals(small / (128 * MIB), t.slots());
        assertTrue(t.slots() < 256 && t.bytes() <= small);
    }

    @Test
    void aBudgetBelowOneSlotIsAnErrorNamingTheSetting() {
        long budget = KvCacheSizing.gpuBudget(3 * GIB, 24 * GIB, 0.9, GIB);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KvCacheSizing.fit(256, 128 * MIB, budget, "djinn.engine.gpu-memory-utilization=0.9"));
        assertTrue(e.getMessage().contains("gpu-memory-utilization"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KvCacheSizing.gpuBudget(GIB, GIB, 1.5, 0));
        KvCacheSizing cpu = KvCacheSizing.unbounded(8, 10 * MIB);
        assertEquals(8, cpu.slots());
        assertEquals(-1, cpu.budgetBytes());
    }
}
