package io.djinn.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.DjlEnvironment;
import io.djinn.checkpoint.WeightGenerator;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Not a test: single-stream decode timing on the SmolLM-135M shape with generated weights.
 * Run with the test classpath: {@code java ... io.djinn.model.SmolLmDecodeBench [float16]}.
 */
public final class SmolLmDecodeBench {
    public static void main(String[] args) throws Exception {
        DjlEnvironment.init();
        DataType dtype = args.length > 0 && args[0].equals("float16") ? DataType.FLOAT16 : DataType.FLOAT32;
        ModelConfig c = new ModelConfig(Architecture.LLAMA, 49152, 576, 1536, 30, 9, 3, 64, 10000.0, null, 1e-5,
                2048, true, 0, "float32");
        Path dir = Files.createTempDirectory("smollm");
        c.write(dir, 1, 2);
        long t0 = System.nanoTime();
        WeightGenerator.write(c, 1, TensorDtype.F32, 0, dir);
        System.out.printf("generated %d MB in %d ms%n", Files.size(dir.resolve("model.safetensors")) >> 20,
                (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();
        try (LlamaModel m = LlamaModel.load(dir, Device.cpu(), dtype); KvCache cache = m.allocateCache(4, 1024)) {
            System.out.printf("loaded in %d ms, weightBytes %d MB%n", (System.nanoTime() - t0) / 1_000_000,
                    m.weightBytes() >> 20);
            int[] prompt = Fixtures.prompt(128, c.vocabSize(), 3);
            int next;
            try (NDManager s = NDManager.newBaseManager()) {
                t0 = System.nanoTime();
                next = (int) m.forward(s, cache, new int[] {0}, new int[][] {prompt}, new int[] {0}, false)
                        .argMax(-1).toLongArray()[0];
                System.out.printf("prefill 128 tokens: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            }
            int pos = prompt.length;
            for (int round = 0; round < 3; round++) {
                int n = 64;
                t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    try (NDManager s = NDManager.newBaseManager()) {
                        next = (int) m.forward(s, cache, new int[] {0}, new int[][] {{next}}, new int[] {pos++}, false)
                                .argMax(-1).toLongArray()[0];
                    }
                }
                System.out.printf("decode B=1 (%s): %.2f ms/token at positions up to %d%n", dtype,
                        (System.nanoTime() - t0) / 1e6 / n, pos);
            }
            for (int b : new int[] {4}) {
                int[] slots = {0, 1, 2, 3};
                int[] starts = {pos, 5, 9, 20};
                t0 = System.nanoTime();
                for (int i = 0; i < 32; i++) {
                    try (NDManager s = NDManager.newBaseManager()) {
                        m.forward(s, cache, slots, new int[][] {{1}, {2}, {3}, {4}}, starts, false).argMax(-1)
                                .toLongArray();
                    }
                    for (int k = 0; k < b; k++) {
                        starts[k]++;
                    }
                }
                System.out.printf("decode B=%d: %.2f ms/step%n", b, (System.nanoTime() - t0) / 1e6 / 32);
            }
        }
    }
}
