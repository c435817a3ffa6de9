package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The CPU KV cache's memory: zero, untouched until written, unmapped on close. */
class ZeroPagesTest {

    /** The resident kilobytes of the mapping starting at {@code address}, empty when no mapping starts there. */
    static OptionalLong residentKb(long address) throws IOException {
        List<String> smaps = Files.readAllLines(Path.of("/proc/self/smaps"));
        String start = Long.toHexString(address) + "-";
        for (int i = 0; i < smaps.size(); i++) {
            if (smaps.get(i).startsWith(start)) {
                for (int j = i + 1; j < smaps.size(); j++) {
                    if (smaps.get(j).startsWith("Rss:")) {
                        return OptionalLong.of(Long.parseLong(smaps.get(j).replaceAll("\\D", "")));
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The {@code VmFlags} line of the mapping starting at {@code address}, empty when no mapping starts there. */
    static java.util.Optional<String> vmFlags(long address) throws IOException {
        List<String> smaps = Files.readAllLines(Path.of("/proc/self/smaps"));
        String start = Long.toHexString(address) + "-";
        for (int i = 0; i < smaps.size(); i++) {
            if (smaps.get(i).startsWith(start)) {
                for (int j = i + 1; j < smaps.size() && !smaps.get(j).matches("^[0-9a-f]+-.*"); j++) {
                    if (smaps.get(j).startsWith("VmFlags:")) {
                        return java.util.Optional.of(smaps.get(j));
                    }
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** Prepared weights are read into memory advised to huge pages: the kernel records the advice on the mapping. */
    @Test
    void hugePageAdviceIsRecordedOnTheMapping() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), "a kernel without THP");
        try (ZeroPages pages = ZeroPages.map(8L << 20).orElseThrow()) {
            assertFalse(vmFlags(pages.address()).orElseThrow().contains(" hg"), "no advice yet");
            assertTrue(pages.adviseHugePages());
            assertTrue(vmFlags(pages.address()).orElseThrow().contains(" hg"), vmFlags(pages.address()).get());
            pages.slice(5L << 20, 4).putInt(0, 9);
            assertEquals(9, pages.slice(5L << 20, 4).getInt(0));
            assertEquals(0, pages.slice(0, 4).getInt(0));
        }
    }

    @Test
    void pagesAreTouchedOnlyWhenWrittenAndUnmappedOnClose() throws IOException {
        long bytes = 64L << 20;
        ZeroPages pages = ZeroPages.map(bytes).orElseThrow();
        long address = pages.address();
        assertEquals(bytes, pages.bytes());
        assertEquals(0, residentKb(address).orElseThrow(), "a fresh mapping holds no pages");
        // one int written in each of 4 pages makes 4 pages resident, not 64 MiB
        for (int page = 0; page < 4; page++) {
            pages.slice(page * 4096L, 4).putInt(0, 7);
        }
        long kb = residentKb(address).orElseThrow();
        assertTrue(kb >= 16 && kb < 1024, "resident after writing 4 pages: " + kb + " kB");
        assertEquals(7, pages.slice(3 * 4096L, 4).getInt(0));
        assertEquals(0, pages.slice(bytes - 4096, 4096).getInt(100), "unwritten memory reads zero");
        pages.close();
        assertFalse(residentKb(address).isPresent(), "closed: the mapping is gone");
        assertThrows(IllegalStateException.class, () -> pages.slice(0, 4));
        pages.close(); // idempotent
    }

    @Test
    void cpuCacheTensorsLieOverZeroPagesReadZeroAndTakeWrites() {
        DjlEnvironment.init();
        ModelConfig c = Fixtures.config(Architecture.LLAMA);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            LlamaKvCache cache = new LlamaKvCache(manager, c, DataType.FLOAT32, 3, 32);
            assertTrue(cache.mapped());
            assertEquals(LlamaKvCache.bytesPerSlot(c, DataType.FLOAT32, 32) * 3, cache.bytes());
            NDArray last = cache.values[c.numHiddenLayers() - 1];
            assertEquals(0f, last.abs().sum().getFloat(), "all zero before any write");
            NDIndex slot1 = new NDIndex().addIndices(1).addAllDim().addSliceDim(5, 6);
            last.set(slot1, 2.5f);
            assertEquals(2.5f * c.numKeyValueHeads() * c.headDim(), last.sum().getFloat(), 1e-4f);
            assertEquals(0f, cache.keys[0].abs().sum().getFloat(), "other layers untouched");
            cache.copyPrefix(1, 2, 8);
            assertEquals(2 * 2.5f * c.numKeyValueHeads() * c.headDim(), last.sum().getFloat(), 1e-4f);
            cache.close();
            assertTrue(cache.isClosed());
        }
    }
}
