package io.djinn.model;

import io.djinn.checkpoint.WeightGenerator;
import java.io.IOException;
import java.nio.file.Path;

/** Small checkpoints, one per architecture, that exercise what makes each one different. */
final class Fixtures {
    private Fixtures() {}

    static ModelConfig config(Architecture a) {
        return switch (a) {
            // GQA 4:2, llama3 rope scaling with all three wavelength bands in play, untied head
            case LLAMA -> new ModelConfig(a, 96, 64, 96, 3, 4, 2, 16, 10000.0,
                    new ModelConfig.RopeScaling(8.0, 1.0, 4.0, 32), 1e-5, 256, false, 0, "float32");
            // multi-query 4:1 and a sliding window far shorter than the test sequences
            case MISTRAL -> new ModelConfig(a, 96, 64, 96, 3, 4, 1, 16, 10000.0, null, 1e-5, 256, false, 6,
                    "float32");
            // q/k/v biases, tied embeddings
            case QWEN2 -> new ModelConfig(a, 96, 64, 96, 3, 4, 2, 16, 1000000.0, null, 1e-6, 256, true, 0,
                    "float32");
            // q/k norm, head_dim 32 != hidden / heads = 16, tied embeddings
            case QWEN3 -> new ModelConfig(a, 96, 64, 96, 3, 4, 2, 32, 1000000.0, null, 1e-6, 256, true, 0,
                    "float32");
        };
    }

    static Path checkpoint(Path dir, ModelConfig c, TensorDtype dtype, long maxShard) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        c.write(dir, 1, 2);
        WeightGenerator.write(c, 42, dtype, maxShard, dir);
        return dir;
    }

    static int[] prompt(int n, int vocab, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }

    static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
