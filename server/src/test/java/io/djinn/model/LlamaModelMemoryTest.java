package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Thousands of forward calls must not grow the model's managers or the process's native memory. */
class LlamaModelMemoryTest {
    @TempDir
    Path tmp;

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    /** RSS after a full GC, so that Java heap growth does not read as a native leak. */
    static long settledRssKb() throws IOException {
        System.gc();
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rssKb();
    }

    @Test
    void twoThousandCallsDoNotLeak() throws IOException {
        DjlEnvironment.init();
        Path dir = Fixtures.checkpoint(tmp.resolve("m"), Fixtures.config(Architecture.QWEN3), TensorDtype.F32, 0);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
                KvCache cache = model.allocateCache(4, 64)) {
            int[] pos = new int[4];
            Runnable round = () -> {
                try (NDManager scope = NDManager.newBaseManager()) {
                    // alternate a ragged prefill-like call and a batched decode call; wrap around the context
                    if (pos[0] + 16 > 64) {
                        java.util.Arrays.fill(pos, 0);
                    }
                    // about 1 MB of intermediates a call: a leak would show as gigabytes
                    int[][] feed = {Fixtures.prompt(16, 96, 1), {4}, Fixtures.prompt(9, 96, 2), {7}};
                    model.forward(scope, cache, new int[] {3, 0, 2, 1}, feed, pos.clone(), pos[0] % 2 == 0)
                            .toFloatArray();
                    for (int i = 0; i < 4; i++) {
                        pos[i] += 1;
                    }
                }
            };
            // warm-up: the JIT and the native allocator's arenas settle first
            for (int i = 0; i < 500; i++) {
                round.run();
            }
            int arrays = model.managedArrayCount();
            long before = settledRssKb();
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                round.run();
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            long after = settledRssKb();
            System.out.printf("2000 calls in %d ms; managed arrays %d -> %d, VmRSS %d kB -> %d kB%n", ms, arrays,
                    model.managedArrayCount(), before, after);
            assertEquals(arrays, model.managedArrayCount());
            // leaking one step's intermediates would grow RSS by about 2 GB here
            assertTrue(after - before < 100_000, "RSS grew by " + (after - before) + " kB");
        }
    }
}
