package io.djinn.checkpoint;

import io.djinn.model.ModelConfig;
import io.djinn.model.SafetensorsWriter;
import io.djinn.model.SafetensorsWriter.TensorSpec;
import io.djinn.model.TensorDtype;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic random weights with Hugging Face tensor names for a {@link ModelConfig}. Each tensor's values depend
 * only on the seed and the tensor name (not on dtype or sharding), so an F16 or BF16 checkpoint holds the rounded
 * values of the F32 one.
 *
 * <p>Scales keep a 30-layer stack finite while giving logits a real spread: embeddings ~ N(0, 1), projections
 * ~ N(0, 1/fan_in) (unit-variance outputs), norm weights 1 + N(0, 0.1^2), biases ~ N(0, 0.2^2). The "normal" values
 * are an Irwin-Hall approximation (sum of four 16-bit uniforms from one 64-bit draw), which is fast.
 */
public final class WeightGenerator {
    private WeightGenerator() {}

    /** The tensors of a checkpoint for {@code c}, in HF order. */
    public static List<TensorSpec> tensors(ModelConfig c, TensorDtype dtype) {
        int h = c.hiddenSize();
        int hd = c.headDim();
        int q = c.numAttentionHeads() * hd;
        int kv = c.numKeyValueHeads() * hd;
        int inter = c.intermediateSize();
        List<TensorSpec> t = new ArrayList<>();
        t.add(new TensorSpec("model.embed_tokens.weight", dtype, c.vocabSize(), h));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            String p = "model.layers." + l + ".";
            t.add(new TensorSpec(p + "input_layernorm.weight", dtype, h));
            t.add(new TensorSpec(p + "self_attn.q_proj.weight", dtype, q, h));
            t.add(new TensorSpec(p + "self_attn.k_proj.weight", dtype, kv, h));
            t.add(new TensorSpec(p + "self_attn.v_proj.weight", dtype, kv, h));
            if (c.architecture().qkvBias()) {
                t.add(new TensorSpec(p + "self_attn.q_proj.bias", dtype, q));
                t.add(new TensorSpec(p + "self_attn.k_proj.bias", dtype, kv));
                t.add(new TensorSpec(p + "self_attn.v_proj.bias", dtype, kv));
            }
            if (c.architecture().qkNorm()) {
                t.add(new TensorSpec(p + "self_attn.q_norm.weight", dtype, hd));
                t.add(new TensorSpec(p + "self_attn.k_norm.weight", dtype, hd));
            }
            t.add(new TensorSpec(p + "self_attn.o_proj.weight", dtype, h, q));
            t.add(new TensorSpec(p + "post_attention_layernorm.weight", dtype, h));
            t.add(new TensorSpec(p + "mlp.gate_proj.weight", dtype, inter, h));
            t.add(new TensorSpec(p + "mlp.up_proj.weight", dtype, inter, h));
            t.add(new TensorSpec(p + "mlp.down_proj.weight", dtype, h, inter));
        }
        t.add(new TensorSpec("model.norm.weight", dtype, h));
        if (!c.tieWordEmbeddings()) {
            t.add(new TensorSpec("lm_head.weight", dtype, c.vocabSize(), h));
        }
        return t;
    }

    /**
     * Writes the weights of {@code config} into {@code dir} (not config.json: see {@link ModelConfig#write}).
     *
     * @param maxShardBytes 0 for a single {@code model.safetensors}, else the most tensor bytes per shard
     */
    public static List<Path> write(ModelConfig config, long seed, TensorDtype dtype, long maxShardBytes, Path dir)
            throws IOException {
        return SafetensorsWriter.write(dir, tensors(config, dtype), new Values(seed), maxShardBytes);
    }

    /** Mean and standard deviation of a tensor's values, by its name. */
    static double[] distribution(TensorSpec t) {
        String n = t.name();
        if (n.endsWith("norm.weight")) {
            return new double[] {1.0, 0.1};
        }
        if (n.endsWith(".bias")) {
            return new double[] {0.0, 0.2};
        }
        if (n.equals("model.embed_tokens.weight")) {
            return new double[] {0.0, 1.0};
        }
        long fanIn = t.shape()[t.shape().length - 1];
        return new double[] {0.0, 1.0 / Math.sqrt(fanIn)};
    }

    private static final class Values implements SafetensorsWriter.ValueSource {
        private static final double SQRT3 = Math.sqrt(3.0);
        private final long seed;
        private TensorSpec current;
        private SplittableRandom rng;
        private float mean;
        private float scale;

        Values(long seed) {
            this.seed = seed;
        }

        @Override
        public void fill(TensorSpec spec, long firstElement, float[] chunk, int count) {
            if (spec != current || firstElement == 0) {
                current = spec;
                rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ fnv(spec.name()));
                double[] d = distribution(spec);
                mean = (float) d[0];
                // sum of 4 U(0,1): mean 2, variance 1/3 -> (s - 2) * sqrt(3) has unit variance
                scale = (float) (d[1] * SQRT3 / 65536.0);
            }
            SplittableRandom r = rng;
            float m = mean;
            float s = scale;
            for (int i = 0; i < count; i++) {
                long x = r.nextLong();
                long sum = (x & 0xffff) + ((x >>> 16) & 0xffff) + ((x >>> 32) & 0xffff) + (x >>> 48);
                chunk[i] = m + (sum - 131070) * s;
            }
        }

        private static long fnv(String s) {
            long h = 0xcbf29ce484222325L;
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                h = (h ^ (b & 0xff)) * 0x100000001b3L;
            }
            return h;
        }
    }
}
