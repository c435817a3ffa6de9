package io.djinn.model;

import static io.djinn.model.Ops.op;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.djinn.common.DjlEnvironment;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The Llama decoder family (Llama, Mistral, Qwen2, Qwen3) on DJL tensors.
 *
 * <pre>
 *   x = [embed_tokens[tokens], c, 0...]              [T, hidden']   the fed tokens of all rows, packed
 *   for each layer: x = DecoderLayer(x)               (norm, Attention + residual, norm, Mlp + residual)
 *   logits = norm(x) @ lm_head^T                      [B, vocab]     lm_head = embed_tokens when tied
 * </pre>
 *
 * <p>The residual stream carries {@code hidden' - hidden} extra columns (to a multiple of 8, which keeps 16-bit rows
 * 16-byte aligned for the GPU's GEMMs): the first holds {@code c = sqrt(hidden * eps)}, the others 0, and no layer
 * ever writes them (the output projections have zero columns there). Then {@code x / ||x||} over all hidden'
 * columns is {@code RMSNorm(x) / sqrt(hidden)} exactly, eps included, in one tensor call, and the norm's weight
 * times sqrt(hidden) is folded into the rows of the projection that follows (zero rows for the extra columns).
 * Residual additions ride in the output projections' GEMMs ({@code addmm}). A decode layer thus makes 24 tensor
 * calls (Llama), the same for any number of rows.
 *
 * <p>Weights are loaded from safetensors (memory-mapped, the next layer paged in or widened on a helper thread
 * while the current one is folded; bf16 widened to float32 in bulk in Java and narrowed on the device when the
 * runtime dtype is bfloat16), with q/k/v and gate/up fused and every projection stored contiguous in the
 * checkpoint's own {@code [out, in]} order (padded): loading then needs no strided transposing copy, and the products
 * read the stored order through a transposed view (measured as fast as {@code [in, out]} for 1, 16 and 256 rows).
 * On a CPU the folded weights can be kept in a {@link PreparedWeights} file and read back (one copy each) by later
 * loads instead of folding again.
 */
public final class LlamaModel implements CausalLM {
    /** Steps feeding at least this many tokens close each layer's intermediates as they go. */
    private static final int LAYER_SCOPE_TOKENS = 32;
    /** The residual stream's width is a multiple of this (see the class comment). */
    static final int HIDDEN_ALIGN = 8;

    private final ModelConfig config;
    private final DataType dtype;
    private final Device device;
    private final NDManager weights;
    private final NDArray embedTokens;   // [vocab, hidden'], the constant column included
    private final DecoderLayer[] layers;
    private final NDArray lmHead;        // [hidden', vocab]: the final norm folded in, or embed_tokens^T when tied
    private final NDArray finalScale;    // [hidden']: sqrt(hidden) * the final norm's weight when tied, else null
    private final RotaryEmbedding rotary;
    private final long weightBytes;
    private long lastStepLayerCalls;
    private boolean closed;
    /** The weights as folded or read, for {@link #writePrepared()}. */
    private FoldedWeights folded;
    /** Where {@link #writePrepared()} stores freshly folded weights; null when read from there, or none. */
    private PreparedWeights preparedTarget;
    private boolean fromPrepared;

    private LlamaModel(ModelConfig config, DataType dtype, Device device, NDManager weights, NDArray embedTokens,
            DecoderLayer[] layers, NDArray lmHead, NDArray finalScale, long weightBytes) {
        this.config = config;
        this.dtype = dtype;
        this.device = device;
        this.weights = weights;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.lmHead = lmHead;
        this.finalScale = finalScale;
        this.weightBytes = weightBytes;
        this.rotary = new RotaryEmbedding(config, dtype);
    }

    /** The residual stream's width: hidden plus the constant column, rounded up to {@link #HIDDEN_ALIGN}. */
    static int paddedHidden(int hidden) {
        return (hidden + 1 + HIDDEN_ALIGN - 1) / HIDDEN_ALIGN * HIDDEN_ALIGN;
    }

    /**
     * Loads {@code config.json} and the safetensors weights in {@code modelDir}.
     *
     * @param dtype {@link DataType#FLOAT32}, {@link DataType#FLOAT16} or {@link DataType#BFLOAT16}; the checkpoint's
     *              dtype is converted on the device (a bfloat16 tensor never passes through Java)
     * @throws ModelLoadException naming the file (and tensor) when the checkpoint cannot be served
     */
    public static LlamaModel load(Path modelDir, Device device, DataType dtype) {
        return load(modelDir, device, dtype, null);
    }

    /**
     * As {@link #load(Path, Device, DataType)}, with the folded weights read from {@code prepared} when it holds
     * them for this checkpoint; when it does not, they are folded and {@link #writePrepared()} stores them there.
     *
     * @param prepared null: always fold
     */
    public static LlamaModel load(Path modelDir, Device device, DataType dtype, PreparedWeights prepared) {
        try {
            return loadOrFold(modelDir, device, dtype, prepared);
        } finally {
            if (prepared != null) {
                prepared.discardStaged(); // read took what it staged; a load failing before that frees it here
            }
        }
    }

    private static LlamaModel loadOrFold(Path modelDir, Device device, DataType dtype, PreparedWeights prepared) {
        DjlEnvironment.init();
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16 && dtype != DataType.BFLOAT16) {
            throw new IllegalArgumentException("dtype must be float32, float16 or bfloat16, not " + dtype);
        }
        ModelConfig c = ModelConfig.read(modelDir);
        if (c.headDim() % 2 != 0) {
            throw new ModelLoadException(modelDir.resolve("config.json") + ": head_dim must be even, is " + c.headDim());
        }
        NDManager weights = NDManager.newBaseManager(device); // loads libtorch
        if (dtype == DataType.BFLOAT16 && !Bfloat16Support.available()) {
            weights.close();

            throw Bfloat16Support.unsupported();
        }
        MklBranch.select();
        try {
            FoldedWeights w = prepared == null ? null
                    : prepared.read(c, weights, dtype).orElse(null);
            boolean read = w != null;
            if (w == null) {
                w = fold(modelDir, c, weights, dtype);
            }
            LlamaModel model = assemble(c, dtype, device, weights, w);
            model.preparedTarget = read ? null : prepared;
            model.fromPrepared = read;
            return model;
        } catch (RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /** The model's blocks over its folded weights. */
    private static LlamaModel assemble(ModelConfig c, DataType dtype, Device device, NDManager weights,
            FoldedWeights w) {
        long bytes = 0;
        DecoderLayer[] layers = new DecoderLayer[c.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            FoldedWeights.Layer l = w.layers()[i];
            RmsNorm qkNorm = l.qkNorm() == null ? null : new RmsNorm(l.qkNorm(), c.rmsNormEps());
            layers[i] = new DecoderLayer(i, new Attention(c, l.qkv(), l.qkvBias(), qkNorm, l.o()),
                    new Mlp(c, l.gateUp(), l.down()));
            for (NDArray a : new NDArray[] {l.qkv(), l.qkvBias(), l.qkNorm(), l.o(), l.gateUp(), l.down()}) {
                bytes += a == null ? 0 : bytes(a);
            }
        }
        // [hidden', vocab]: a transposed view of the head's rows, or of the embedding when tied
        NDArray lmHead = (w.lmHead() == null ? w.embed() : w.lmHead()).transpose();
        // a step reads every weight once, except the embedding table (one row per token) unless it is the head
        bytes += bytes(lmHead) + (w.finalScale() == null ? 0 : bytes(w.finalScale()));
        LlamaModel model = new LlamaModel(c, dtype, device, weights, w.embed(), layers, lmHead, w.finalScale(), bytes);
        model.folded = w;
        return model;
    }

    private static long bytes(NDArray a) {
        return a.getShape().size() * a.getDataType().getNumOfBytes();
    }

    /** Folds the checkpoint's tensors into the runtime weights (attached to {@code weights}). */
    private static FoldedWeights fold(Path modelDir, ModelConfig c, NDManager weights, DataType dtype) {
        try (SafetensorsReader reader = SafetensorsReader.open(modelDir);
                TensorPrefetch prefetch = new TensorPrefetch(reader);
                NDManager tmp = weights.newSubManager()) {
            int h = c.hiddenSize();
            prefetch.prefetch("model.layers.0.");
            Loader ld = new Loader(reader, prefetch, tmp, weights, dtype, h, paddedHidden(h),
                    new LoadProgress("weights of " + modelDir.getFileName(), reader.totalBytes()));
            int hd = c.headDim();
            int heads = c.numAttentionHeads();
            int kv = c.numKeyValueHeads();
            float scale = (float) (1.0 / Math.sqrt(hd));
            // the stream's extra columns: c = sqrt(hidden * eps), then zeros
            float[] pad = new float[ld.padded() - h];
            pad[0] = (float) Math.sqrt(h * c.rmsNormEps());
            NDArray embed = ld.keep(ld.runtime(ld.padColumns(ld.tensor("model.embed_tokens.weight", c.vocabSize(), h), pad)));
            FoldedWeights.Layer[] layers = new FoldedWeights.Layer[c.numHiddenLayers()];
            for (int i = 0; i < layers.length; i++) {
                String p = "model.layers." + i + ".";
                String a = p + "self_attn.";
                // the next layer's tensors are read (and bf16 widened) on a helper while this one is folded
                prefetch.prefetch("model.layers." + (i + 1) + ".");
                NDArray wq = ld.tensor(a + "q_proj.weight", (long) heads * hd, h);
                NDArray wk = ld.tensor(a + "k_proj.weight", (long) kv * hd, h);
                NDArray wv = ld.tensor(a + "v_proj.weight", (long) kv * hd, h);
                NDArray qkNorm = null;
                if (c.architecture().qkNorm()) {
                    // one norm over [H + K, D]: q rows carry q_norm * 1/sqrt(D), k rows k_norm
                    NDArray qn = ld.tensor(a + "q_norm.weight", hd).mul(scale).broadcast(new Shape(heads, hd));
                    NDArray kn = ld.tensor(a + "k_norm.weight", hd).broadcast(new Shape(kv, hd));
                    qkNorm = ld.keep(ld.runtime(qn.concat(kn, 0)));
                } else {
                    wq = wq.mul(scale);
                }
                NDArray bias = null;
                if (c.architecture().qkvBias()) {
                    NDArray bq = ld.tensor(a + "q_proj.bias", (long) heads * hd);
                    if (qkNorm == null) {
                        bq = bq.mul(scale);
                    }
                    bias = ld.keep(ld.runtime(NDArrays.concat(new NDList(bq,
                            ld.tensor(a + "k_proj.bias", (long) kv * hd), ld.tensor(a + "v_proj.bias", (long) kv * hd)))));
                }
                NDArray inputNorm = ld.tensor(p + "input_layernorm.weight", h);
                NDArray qkv = ld.input(NDArrays.concat(new NDList(wq, wk, wv)), inputNorm);
                NDArray o = ld.output(ld.tensor(a + "o_proj.weight", h, (long) heads * hd));
                NDArray gateUp = NDArrays.concat(new NDList(
                        ld.tensor(p + "mlp.gate_proj.weight", c.intermediateSize(), h),
                        ld.tensor(p + "mlp.up_proj.weight", c.intermediateSize(), h)));
                NDArray gu = ld.input(gateUp, ld.tensor(p + "post_attention_layernorm.weight", h));
                NDArray down = ld.output(ld.tensor(p + "mlp.down_proj.weight", h, c.intermediateSize()));
                layers[i] = new FoldedWeights.Layer(qkv, bias, qkNorm, o, gu, down);
                tmp.getManagedArrays().forEach(NDArray::close);
            }
            NDArray finalNorm = ld.tensor("model.norm.weight", h);
            NDArray lmHead = null;
            NDArray finalScale = null;
            if (c.tieWordEmbeddings()) {
                finalScale = ld.keep(ld.runtime(ld.padColumns(finalNorm.mul((float) Math.sqrt(h)).reshape(1, h),
                        new float[pad.length]).reshape(ld.padded())));
            } else {
                lmHead = ld.input(ld.tensor("lm_head.weight", c.vocabSize(), h), finalNorm);
            }
            ld.progress().done();
            return new FoldedWeights(embed, layers, lmHead, finalScale);
        }
    }

    /** Turns checkpoint tensors into runtime weights. */
    private record Loader(SafetensorsReader reader, TensorPrefetch prefetch, NDManager tmp, NDManager weights,
            DataType dtype, int hidden, int padded, LoadProgress progress) {
        /** The tensor (shape checked against the config) as float32, attached to tmp, for folding. */
        NDArray tensor(String name, long... shape) {
            progress.add(reader.info(name, shape).length());
            TensorDtype dt = reader.loadableDtype(name);
            // bf16 arrives widened to float32 by the reader: no bfloat16 ever crosses from Java into DJL
            NDArray a = tmp.create(prefetch.loadable(name), new Shape(shape),
                    dt == TensorDtype.F16 ? DataType.FLOAT16 : DataType.FLOAT32);
            return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
        }

        /** Converted on the device to the runtime dtype. */
        NDArray runtime(NDArray a) {
            return a.getDataType() == dtype ? a : a.toType(dtype, false);
        }

        NDArray keep(NDArray a) {
            a.attach(weights);
            return a;
        }

        /** [rows, hidden] -> [rows, hidden'] with the given values in the extra columns of every row. */
        NDArray padColumns(NDArray w, float[] values) {
            long rows = w.getShape().get(0);
            NDArray extra = tmp.create(values).reshape(1, values.length).broadcast(new Shape(rows, values.length));
            return w.concat(extra.toType(w.getDataType(), false), 1);
        }

        /**
         * A projection reading the residual stream, HF [out, hidden] -> contiguous [out, hidden'] in the runtime
         * dtype, the preceding norm's weight times sqrt(hidden) folded into its columns (zero columns for the extra
         * ones), so that the product needs no norm weight.
         */
        NDArray input(NDArray w, NDArray normWeight) {
            NDArray scaled = w.mul(normWeight.mul((float) Math.sqrt(hidden)).reshape(1, hidden));
            return keep(runtime(padColumns(scaled, new float[padded - hidden])));
        }

        /**
         * A projection writing the residual stream, HF [hidden, in] -> contiguous [hidden', in] with zero extra
         * rows, so that the stream's constant column is never written.
         */
        NDArray output(NDArray w) {
            long in = w.getShape().get(1);
            return keep(runtime(w.concat(tmp.zeros(new Shape(padded - hidden, in)), 0)));
        }

    }

    /**
     * {@code residual + x @ weight^T} in one GEMM ({@code addmm}); {@code weight} is a contiguous [out, in] weight.
     */
    static NDArray linear(NDArray x, NDArray weight, NDArray residual) {
        return op(x.getNDArrayInternal().linear(x, weight, residual).singletonOrThrow());
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /** The runtime dtype of weights and cache. */
    public DataType dtype() {
        return dtype;
    }

    public Device device() {
        return device;
    }

    /** Bytes of weights one decode step reads at the runtime dtype (every layer, the final norm, the LM head). */
    public long weightBytes() {
        return weightBytes;
    }

    /** Tensor calls the decoder layers made in the last step, all layers together (see {@link Ops}). */
    public long lastStepLayerCalls() {
        return lastStepLayerCalls;
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
        if (maxContext >= 1 << 24 || slots >= 1 << 24) {
            // step indices travel as float32, exact below 2^24
            throw new IllegalArgumentException("slots and maxContext must be below 2^24");
        }
        rotary.ensure(weights, maxContext);
        return new LlamaKvCache(weights, config, dtype, slots, maxContext);
    }

    /** Bytes of KV cache one slot of {@code maxContext} positions takes at the runtime dtype. */
    public long cacheBytesPerSlot(int maxContext) {
        return LlamaKvCache.bytesPerSlot(config, dtype, maxContext);
    }

    /**
     * An upper estimate of the device memory one step needs besides weights and cache, for sizing the cache: the
     * intermediates of one layer for {@code tokens} fed tokens (layers close theirs as they go in big steps), the
     * decode attention of {@code rows} rows over the whole context (scores, probabilities and a gathered copy of
     * their keys and values), one prompt chunk's attention, the rotation matrices and the logits with the sampler's
     * copies of them; plus a quarter for the allocator's rounding.
     */
    public long stepWorkspaceBytes(int tokens, int rows, int maxContext) {
        long b = dtype.getNumOfBytes();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long perToken = b * (3L * paddedHidden(config.hiddenSize()) + 2 * (q + 2 * kv) + 3L * config.intermediateSize()
                + 2 * q);
        long rotation = b * tokens * config.headDim() * config.headDim() * 3;
        long decode = b * rows * (2L * config.numAttentionHeads() * maxContext + 2 * kv * maxContext);
        long chunk = b * 2L * Math.min(tokens, maxContext) * config.numAttentionHeads() * maxContext;
        long logits = 4L * 4 * rows * config.vocabSize();
        long total = tokens * perToken + rotation + decode + chunk + logits;
        return total + total / 4;
    }

    @Override
    public NDArray forward(NDManager scope, KvCache kvCache, int[] slots, int[][] tokens, int[] startPositions,
            boolean allPositions) {
        return run(scope, kvCache, slots, tokens, startPositions, allPositions, null, null).logits();
    }

    @Override
    public StepOutput step(NDManager scope, KvCache kvCache, int[] slots, int[][] tokens, int[] startPositions,
            int[] logitRows, float[] extra) {
        return run(scope, kvCache, slots, tokens, startPositions, false, logitRows, extra);
    }

    private StepOutput run(NDManager scope, KvCache kvCache, int[] slots, int[][] tokens, int[] startPositions,
            boolean allPositions, int[] logitRows, float[] extra) {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
        if (!(kvCache instanceof LlamaKvCache cache) || cache.isClosed()) {
            throw new IllegalArgumentException("not an open cache of this model");
        }
        validate(cache, slots, tokens, startPositions, logitRows);
        try (NDManager stepManager = scope.newSubManager(device)) {
            Step s = new Step(stepManager, rotary, config.slidingWindow(), slots, tokens, startPositions,
                    allPositions, logitRows, extra);
            NDArray x = op(embedTokens.get(stepManager, new NDIndex("{}", s.tokenIds)));   // [T, hidden']
            // a gathered copy of the decode rows' keys and values must not outlive its layer
            boolean layerScopes = s.len >= LAYER_SCOPE_TOKENS || s.gathersCache;
            long callsBefore = Ops.counts().calls();
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
            lastStepLayerCalls = Ops.counts().calls() - callsBefore;
            NDArray logits = null;
            if (s.logitCount != 0) {
                if (s.logitRows != null) {
                    x = op(x.get(stepManager, s.logitRows));                                // [n, hidden']
                }
                NDArray n = DecoderLayer.normalize(x);
                logits = op((finalScale == null ? n : op(n.mul(finalScale))).matMul(lmHead));  // [n, vocab]
                if (logits.getDataType() != DataType.FLOAT32) {
                    logits = op(logits.toType(DataType.FLOAT32, false));
                }
                if (allPositions) {
                    int longest = java.util.Arrays.stream(s.lengths).max().orElse(0);
                    logits = op(logits.reshape(s.batch, longest, config.vocabSize()));
                }
                logits.attach(scope);
            }
            if (s.extra != null) {
                s.extra.attach(scope);
            }
            return new StepOutput(logits, s.extra);
        }
    }

    private void validate(LlamaKvCache cache, int[] slots, int[][] tokens, int[] starts, int[] logitRows) {
        Objects.requireNonNull(tokens, "tokens");
        int b = tokens.length;
        if (b == 0 || slots.length != b || starts.length != b) {
            throw new IllegalArgumentException("slots, tokens and startPositions must have the same non-zero length");
        }
        java.util.BitSet seen = new java.util.BitSet();
        for (int i = 0; i < b; i++) {
            if (slots[i] < 0 || slots[i] >= cache.slots() || seen.get(slots[i])) {
                throw new IllegalArgumentException("row " + i + ": slot " + slots[i] + " is out of range or repeated");
            }
            seen.set(slots[i]);
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
        if (logitRows != null) {
            for (int r : logitRows) {
                if (r < 0 || r >= b) {
                    throw new IllegalArgumentException("logit row " + r + " is not a row of the call");
                }
            }
        }
    }

    FoldedWeights foldedWeights() {
        return folded;
    }

    /** Whether the weights were read from a prepared-weights file rather than folded from the checkpoint. */
    public boolean fromPreparedWeights() {
        return fromPrepared;
    }

    /**
     * Stores freshly folded weights in the {@link PreparedWeights} given to {@link #load}, so that the next start
     * reads them; does nothing when they were read from there or none was given. Meant for a background thread once
     * the model serves: it only reads the weights, and {@link #close()} waits for the tensor being written.
     *
     * @return whether a file was written
     */
    public boolean writePrepared() {
        return writePrepared(() -> {});
    }

    /** As {@link #writePrepared()}, running {@code beforeEachTensor} (which may wait) before each tensor's write. */
    public boolean writePrepared(Runnable beforeEachTensor) {
        PreparedWeights target = preparedTarget;
        if (target == null) {
            return false;
        }
        preparedTarget = null;
        return target.write(folded.named(), dtype, read -> {
            beforeEachTensor.run();
            return readWeights(read);
        });
    }

    /** Runs {@code reader} on the weights unless the model is closed (then false), close waiting meanwhile. */
    private synchronized boolean readWeights(Runnable reader) {
        if (closed) {
            return false;
        }
        reader.run();
        return true;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            weights.close();
        }
    }
}
