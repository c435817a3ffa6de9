package io.djinn.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.djinn.DjlEnvironment;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The Llama decoder family (Llama, Mistral, Qwen2, Qwen3) on DJL tensors.
 *
 * <pre>
 *   x = embed_tokens[tokens]                          [B, L, hidden]
 *   for each layer: x = DecoderLayer(x)               (RmsNorm, Attention, RmsNorm, Mlp)
 *   logits = norm(x) @ lm_head^T                      [B, (L,) vocab]   lm_head = embed_tokens when tied
 * </pre>
 *
 * Weights are loaded from safetensors (memory-mapped; bf16 widened to float32 in Java), with q/k/v and gate/up
 * fused and every projection stored pre-transposed as {@code [in, out]}.
 */
public final class LlamaModel implements CausalLM {
    /** Steps feeding at least this many tokens close each layer's intermediates as they go. */
    private static final int LAYER_SCOPE_TOKENS = 32;

    private final ModelConfig config;
    private final DataType dtype;
    private final NDManager weights;
    private final NDArray embedTokens;   // [vocab, hidden]
    private final DecoderLayer[] layers;
    private final RmsNorm norm;
    private final NDArray lmHead;        // [hidden, vocab] (a transposed view of embed_tokens when tied)
    private final RotaryEmbedding rotary;
    private final long weightBytes;
    private boolean closed;

    private LlamaModel(ModelConfig config, DataType dtype, NDManager weights, NDArray embedTokens,
            DecoderLayer[] layers, RmsNorm norm, NDArray lmHead, long weightBytes) {
        this.config = config;
        this.dtype = dtype;
        this.weights = weights;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.weightBytes = weightBytes;
        this.rotary = new RotaryEmbedding(config, dtype);
    }

    /**
     * Loads {@code config.json} and the safetensors weights in {@code modelDir}.
     *
     * @param dtype {@link DataType#FLOAT32} or {@link DataType#FLOAT16}; the checkpoint's dtype is converted
     * @throws ModelLoadException naming the file (and tensor) when the checkpoint cannot be served
     */
    public static LlamaModel load(Path modelDir, Device device, DataType dtype) {
        DjlEnvironment.init();
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("dtype must be float32 or float16, not " + dtype);
        }
        ModelConfig c = ModelConfig.read(modelDir);
        if (c.headDim() % 2 != 0) {
            throw new ModelLoadException(modelDir.resolve("config.json") + ": head_dim must be even, is " + c.headDim());
        }
        NDManager weights = NDManager.newBaseManager(device); // loads libtorch
        MklBranch.select();
        try (SafetensorsReader reader = SafetensorsReader.open(modelDir);
                NDManager tmp = weights.newSubManager()) {
            Loader ld = new Loader(reader, tmp, weights, dtype,
                    new LoadProgress("weights of " + modelDir.getFileName(), reader.totalBytes()));
            int h = c.hiddenSize();
            int hd = c.headDim();
            int heads = c.numAttentionHeads();
            int kv = c.numKeyValueHeads();
            float scale = (float) (1.0 / Math.sqrt(hd));
            NDArray embed = ld.keep(ld.tensor("model.embed_tokens.weight", c.vocabSize(), h));
            DecoderLayer[] layers = new DecoderLayer[c.numHiddenLayers()];
            for (int i = 0; i < layers.length; i++) {
                String p = "model.layers." + i + ".";
                String a = p + "self_attn.";
                NDArray wq = ld.tensor(a + "q_proj.weight", (long) heads * hd, h);
                NDArray wk = ld.tensor(a + "k_proj.weight", (long) kv * hd, h);
                NDArray wv = ld.tensor(a + "v_proj.weight", (long) kv * hd, h);
                RmsNorm qkNorm = null;
                if (c.architecture().qkNorm()) {
                    // one norm over [H + K, D]: q rows carry q_norm * 1/sqrt(D), k rows k_norm
                    NDArray qn = ld.tensor(a + "q_norm.weight", hd).mul(scale).broadcast(new Shape(heads, hd));
                    NDArray kn = ld.tensor(a + "k_norm.weight", hd).broadcast(new Shape(kv, hd));
                    qkNorm = new RmsNorm(ld.keep(qn.concat(kn, 0)), c.rmsNormEps());
                } else {
                    wq = wq.mul(scale);
                }
                NDArray bias = null;
                if (c.architecture().qkvBias()) {
                    NDArray bq = ld.tensor(a + "q_proj.bias", (long) heads * hd);
                    if (qkNorm == null) {
                        bq = bq.mul(scale);
                    }
                    bias = ld.keep(NDArrays.concat(new NDList(bq, ld.tensor(a + "k_proj.bias", (long) kv * hd),
                            ld.tensor(a + "v_proj.bias", (long) kv * hd))));
                }
                Attention attn = new Attention(c, ld.linear(NDArrays.concat(new NDList(wq, wk, wv))), bias, qkNorm,
                        ld.linear(ld.tensor(a + "o_proj.weight", h, (long) heads * hd)));
                NDArray gateUp = NDArrays.concat(new NDList(
                        ld.tensor(p + "mlp.gate_proj.weight", c.intermediateSize(), h),
                        ld.tensor(p + "mlp.up_proj.weight", c.intermediateSize(), h)));
                Mlp mlp = new Mlp(c, ld.linear(gateUp),
                        ld.linear(ld.tensor(p + "mlp.down_proj.weight", h, c.intermediateSize())));
                layers[i] = new DecoderLayer(i, ld.norm(p + "input_layernorm.weight", c), attn,
                        ld.norm(p + "post_attention_layernorm.weight", c), mlp);
                tmp.getManagedArrays().forEach(NDArray::close);
            }
            RmsNorm norm = ld.norm("model.norm.weight", c);
            NDArray lmHead = c.tieWordEmbeddings()
                    ? embed.transpose()
                    : ld.linear(ld.tensor("lm_head.weight", c.vocabSize(), h));
            // a step reads every weight once, except the embedding table (one row per token) unless it is the head
            long bytes = 0;
            for (NDArray w : weights.getManagedArrays()) {
                if (w != embed) {
                    bytes += w.getShape().size() * w.getDataType().getNumOfBytes();
                }
            }
            ld.progress().done();
            return new LlamaModel(c, dtype, weights, embed, layers, norm, lmHead, bytes);
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** Turns checkpoint tensors into runtime weights. */
    private record Loader(SafetensorsReader reader, NDManager tmp, NDManager weights, DataType dtype,
            LoadProgress progress) {
        /** The tensor (shape checked against the config) in the runtime dtype, attached to tmp. */
        NDArray tensor(String name, long... shape) {
            progress.add(reader.info(name, shape).length());
            TensorDtype dt = reader.loadableDtype(name);
            NDArray a = tmp.create(reader.loadable(name), new Shape(shape),
                    dt == TensorDtype.F16 ? DataType.FLOAT16 : DataType.FLOAT32);
            return a.getDataType() == dtype ? a : a.toType(dtype, false);
        }

        /**
         * Keeps an array as a weight. An F32 (or F16 at float16) tensor stays a zero-copy view of the read-only
         * mapping: weights are never written in place.
         */
        NDArray keep(NDArray a) {
            a.attach(weights);
            return a;
        }

        /** HF [out, in] -> contiguous [in, out], so that a step computes x @ w with no transpose. */
        NDArray linear(NDArray w) {
            Shape s = w.getShape();
            NDArray t = w.transpose().flatten().reshape(s.get(1), s.get(0));
            t.attach(weights);
            return t;
        }

        RmsNorm norm(String name, ModelConfig c) {
            return new RmsNorm(keep(tensor(name, c.hiddenSize())), c.rmsNormEps());
        }
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /** The runtime dtype of weights and cache. */
    public DataType dtype() {
        return dtype;
    }

    /** Bytes of weights one decode step reads at the runtime dtype (every layer, the final norm, the LM head). */
    public long weightBytes() {
        return weightBytes;
    }

    /** Arrays the model's long-lived manager holds (weights, rotary tables, caches): for leak checks. */
    int managedArrayCount() {
        return weights.getManagedArrays().size();
    }

    @Override
    public KvCache allocateCache(int slots, int maxContext) {
        if (slots <= 0 || maxContext <= 0) {
            throw new IllegalArgumentException("slots and maxContext must be positive");
        }
        rotary.ensure(weights, maxContext);
        return new LlamaKvCache(weights, config, dtype, slots, maxContext);
    }

    @Override
    public NDArray forward(NDManager scope, KvCache kvCache, int[] slots, int[][] tokens, int[] startPositions,
            boolean allPositions) {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
        if (!(kvCache instanceof LlamaKvCache cache) || cache.isClosed()) {
            throw new IllegalArgumentException("not an open cache of this model");
        }
        validate(cache, slots, tokens, startPositions);
        try (NDManager stepManager = scope.newSubManager()) {
            Step s = new Step(stepManager, rotary, config.slidingWindow(), slots, tokens, startPositions,
                    allPositions);
            NDArray x = embedTokens.get(stepManager, new NDIndex("{}", s.tokenIds))
                    .reshape(s.packed() ? 1 : s.batch, s.len, config.hiddenSize());  // [B, L, hidden] or [1, T, hidden]
            boolean layerScopes = (s.packed() ? 1L : s.batch) * s.len >= LAYER_SCOPE_TOKENS;
            for (DecoderLayer layer : layers) {
                if (layerScopes) {
                    try (NDManager layerManager = stepManager.newSubManager()) {
                        x.attach(layerManager);
                        x = layer.forward(x, s, cache);
                        x.attach(stepManager);
                    }
                } else {
                    x = layer.forward(x, s, cache);
                }
            }
            if (!allPositions) {
                x = lastTokens(x, s);                                               // [B, hidden]
            }
            NDArray logits = norm.forward(x).matMul(lmHead);                        // [B, (L,) vocab]
            if (logits.getDataType() != DataType.FLOAT32) {
                logits = logits.toType(DataType.FLOAT32, false);
            }
            logits.attach(scope);
            return logits;
        }
    }

    private NDArray lastTokens(NDArray x, Step s) {
        if (s.len == 1 || (s.packed() && s.len == s.batch)) {
            return x.reshape(s.batch, config.hiddenSize());
        }
        long[] rows = new long[s.batch];
        for (int b = 0; b < s.batch; b++) {
            rows[b] = s.packed() ? s.offsets[b] + s.lengths[b] - 1 : (long) b * s.len + s.lengths[b] - 1;
        }
        return x.reshape(-1, config.hiddenSize()).get(s.manager, new NDIndex("{}", s.manager.create(rows)));
    }

    private void validate(LlamaKvCache cache, int[] slots, int[][] tokens, int[] starts) {
        Objects.requireNonNull(tokens, "tokens");
        int b = tokens.length;
        if (b == 0 || slots.length != b || starts.length != b) {
            throw new IllegalArgumentException("slots, tokens and startPositions must have the same non-zero length");
        }
        boolean[] seen = new boolean[cache.slots()];
        for (int i = 0; i < b; i++) {
            if (slots[i] < 0 || slots[i] >= cache.slots() || seen[slots[i]]) {
                throw new IllegalArgumentException("row " + i + ": slot " + slots[i] + " is out of range or repeated");
            }
            seen[slots[i]] = true;
            if (tokens[i].length == 0) {
                throw new IllegalArgumentException("row " + i + " feeds no tokens");
            }
            if (starts[i] < 0 || starts[i] + tokens[i].length > cache.maxContext()) {
                throw new IllegalArgumentException("row " + i + ": positions " + starts[i] + ".."
                        + (starts[i] + tokens[i].length - 1) + " exceed the cache context " + cache.maxContext());
            }
            for (int t : tokens[i]) {
                if (t < 0 || t >= config.vocabSize()) {
                    throw new IllegalArgumentException("row " + i + ": token id " + t + " is outside the vocabulary");
                }
            }
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            weights.close();
        }
    }
}
