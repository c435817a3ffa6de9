package io.djinn.serving;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.djinn.common.DjlEnvironment;
import io.djinn.config.DjinnConfig;
import io.djinn.engine.GenerationConfig;
import io.djinn.engine.EngineSettings;
import io.djinn.engine.InferenceEngine;
import io.djinn.model.CpuThreads;
import io.djinn.model.LlamaModel;
import io.djinn.model.ModelConfig;
import io.djinn.model.PreparedWeights;
import io.djinn.model.RuntimeChoice;
import io.djinn.tokenizer.Tokenizer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import io.quarkus.runtime.Quarkus;
import org.jboss.logging.Logger;

/**
 * Owns the served model's lifecycle: loads it on its own thread at start-up (so health endpoints answer while it
 * loads, and say what the loader does: a download's progress, the weights), from the checkpoint its
 * {@link CheckpointSource} provides.
 */
@ApplicationScoped
public class ModelHost {

    private static final Logger LOG = Logger.getLogger(ModelHost.class);
    static final int CPU_MAX_NUM_SEQS = 8;
    static final int GPU_MAX_NUM_SEQS = 256;
    static final int CPU_PREFILL_FIRST_TOKENS = 128;

    private final DjinnConfig config;
    private final EngineMetrics metrics;
    private final CheckpointSource checkpoints;
    /** Request traces (field-injected: tests build a ModelHost without CDI). */
    @jakarta.inject.Inject
    Tracing tracing;
    /** When the HTTP server listens (field-injected: tests build a ModelHost without CDI, and do not wait). */
    @jakarta.inject.Inject
    HttpUp httpUp;
    /** How long the loader waits for the HTTP server before loading native libraries anyway. */
    static final java.time.Duration HTTP_UP_WAIT = java.time.Duration.ofSeconds(30);
    private volatile ServedModel model;
    private volatile Throwable failure;
    /** What the loader is doing while no model serves (a download's progress, loading the weights). */
    private volatile String loading;

    public ModelHost(DjinnConfig config, EngineMetrics metrics, CheckpointSource checkpoints) {
        this.config = config;
        this.metrics = metrics;
        this.checkpoints = checkpoints;
    }

    void onStart(@Observes StartupEvent event) {
        Thread.ofPlatform().name("djinn-model-loader").daemon().start(() -> {
            try {
                model = load();
            } catch (Throwable t) {
                loadFailed(t);
            }
        });
    }

    void loadFailed(Throwable t) {
        failure = t;
        boolean exit = config != null && config.model().exitOnLoadFailure();
        // One line with the whole cause chain: what an operator reads in `kubectl logs --previous`.
        LOG.error("Model failed to load" + (exit ? " (exiting with status 1; djinn.model.exit-on-load-failure)" : "")
                + ": " + causes(t));
        LOG.debug("Model load failure", t);
        if (exit) {
            Quarkus.asyncExit(1);
        }
    }

    /** The messages of a throwable and its causes, on one line. */
    static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null && sb.length() < 2000; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (sb.indexOf(m) < 0) {
                sb.append(sb.isEmpty() ? "" : ": ").append(m);
            }
        }
        return sb.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    void onStop(@Observes ShutdownEvent event) {
        close();
    }

    /**
     * Stops serving and closes the model; sequences still running end with an error. Idempotent: the graceful
     * shutdown calls it after the grace period, the ShutdownEvent observer again.
     */
    public synchronized void close() {
        ServedModel m = model;
        model = null;
        if (m != null) {
            m.close();
        }
    }

    public Optional<ServedModel> ready() {
        return Optional.ofNullable(model);
    }

    /** The served model when it is ready and {@code requested} is its id or one of its configured aliases. */
    public Optional<ServedModel> find(String requested) {
        return ready().filter(m -> m.id().equals(requested) || aliases().contains(requested));
    }

    /** Names besides the model's id that clients may send ({@code djinn.model.aliases}). */
    public List<String> aliases() {
        return config.model().aliases().orElse(List.of());
    }

    /** The names a client may send for the served model (its id, then its aliases); empty while none serves. */
    public List<String> servedNames() {
        ServedModel m = model;
        if (m == null) {
            return List.of();
        }
        List<String> names = new java.util.ArrayList<>();
        names.add(m.id());
        names.addAll(aliases());
        return List.copyOf(names);
    }

    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** What the loader is doing, while the model neither serves nor has failed. */
    public Optional<String> loading() {
        return model == null && failure == null ? Optional.ofNullable(loading) : Optional.empty();
    }

    private ServedModel load() throws Exception {
        DjlEnvironment.init();
        long start = System.nanoTime();
        // Native libraries (libtorch, the tokenizer's) load only once HTTP is up: see HttpUp for the lock they share
        // with the event loops. Resolving a CUDA device loads libtorch, so it waits; a CPU one is plain Java.
        long httpWaitNanos = config.model().device().trim().equalsIgnoreCase("cpu") ? 0 : awaitHttpUp();
        Device device = device(config.model().device());
        // Settings the first request would trip over are checked before loading (and before any download).
        try {
            io.djinn.toolcall.ToolCallFormat.resolve(config.model().toolCallFormat(), null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("djinn.model.tool-call-format: " + e.getMessage() + ", auto or none");
        }
        if (!java.util.Set.of("auto", "none").contains(config.model().reasoningParser().trim())) {
            throw new IllegalArgumentException("djinn.model.reasoning-parser must be auto or none, not '"
                    + config.model().reasoningParser() + "'");
        }
        CpuThreads.WaitPolicy waitPolicy = CpuThreads.WaitPolicy.parse(config.cpu().waitPolicy(),
                "djinn.cpu.wait-policy");
        if (config.cpu().threads() < 0) {
            throw new IllegalArgumentException("djinn.cpu.threads must be 0 (the available processors) or more, not "
                    + config.cpu().threads());
        }
        if (config.cpu().spinCount() < 0) {
            throw new IllegalArgumentException("djinn.cpu.spin-count must be 0 or more, not "
                    + config.cpu().spinCount());
        }
        CheckpointSource.Checkpoint checkpoint = checkpoints.checkpoint(status -> loading = status);
        Path dir = checkpoint.folder();
        loading = "loading the weights from " + dir;
        ModelConfig modelConfig = ModelConfig.read(dir);
        DataType dtype = dtype(config.model().dtype(), device, modelConfig.torchDtype());
        LOG.infof("Loading %s (%s, %d layers, hidden %d) from %s on %s as %s", modelConfig.architecture().hfName(),
                modelConfig.architecture(), modelConfig.numHiddenLayers(), modelConfig.hiddenSize(), dir, device,
                dtype);
        PreparedWeights prepared = preparedWeights(dir, device, dtype);
        if (prepared != null && prepared.exists()) {
            // read into this process's memory on a thread of its own, beside libtorch's load: file and memory work,
            // no native library
            prepared.stageInBackground();
        } else {
            // the weight files into the page cache meanwhile: disk reads overlap libtorch's load
            io.djinn.model.Readahead.start(dir);
        }
        // The tokenizer loads on a helper of this thread, beside libtorch and the weights: its tables and chat
        // template first (plain Java: JSON, Jinjava), its native library once HTTP is up. (This loader starts at
        // StartupEvent, which Quarkus fires after the HTTP server listens: the waits for HTTP up return at once.)
        CompletableFuture<Tokenizer> tokenizerLoad = new CompletableFuture<>();
        long[] tokenizerNanos = new long[2]; // tables and template, native tokenizer
        Thread.ofPlatform().name("djinn-tokenizer-loader").daemon().start(() -> {
            try {
                long begin = System.nanoTime();
                Tokenizer.Tables tables = Tokenizer.Tables.read(dir);
                try {
                    tables.chatTemplate(); // Jinjava's start-up and the template's parse, off the loader's path
                } catch (RuntimeException reportedByTheLoader) {
                    // the loader asks for the template again below and reports the failure there
                }
                long javaNanos = System.nanoTime() - begin;
                LOG.debugf("Tokenizer tables and chat template read in %d ms", javaNanos / 1_000_000);
                awaitHttpUp();
                begin = System.nanoTime();
                Tokenizer loaded = Tokenizer.load(tables);
                tokenizerNanos[0] = javaNanos;
                tokenizerNanos[1] = System.nanoTime() - begin;
                tokenizerLoad.complete(loaded);
            } catch (Throwable failed) {
                tokenizerLoad.completeExceptionally(failed);
            }
        });
        // native libraries only once HTTP is up (see HttpUp)
        httpWaitNanos += awaitHttpUp();
        long t = System.nanoTime();
        // loads libtorch, the OpenMP wait policy set before: libgomp reads it once, when it loads
        int threads;
        try {
            threads = CpuThreads.apply(config.cpu().threads(), waitPolicy, config.cpu().spinCount());
        } catch (RuntimeException | Error e) {
            if (prepared != null) {
                prepared.discardStaged();
            }
            tokenizerLoad.thenAccept(Tokenizer::close);
            throw e;
        }
        LOG.debugf("libtorch intra-op threads: %d", threads);
        long libtorchNanos = System.nanoTime() - t;
        t = System.nanoTime();
        LlamaModel lm;
        try {
            lm = LlamaModel.load(dir, device, dtype, prepared);
        } catch (RuntimeException e) {
            tokenizerLoad.thenAccept(Tokenizer::close);
            throw e;
        }
        long weightsNanos = System.nanoTime() - t;
        t = System.nanoTime();
        Tokenizer tokenizer;
        try {
            tokenizer = tokenizerLoad.join();
        } catch (java.util.concurrent.CompletionException e) {
            lm.close();
            throw e.getCause() instanceof Exception x ? x : e;
        }
        long tokenizerWaitNanos = System.nanoTime() - t;
        GenerationConfig generationConfig = GenerationConfig.read(dir);
        int maxContext = config.engine().maxModelLen().orElse(Math.min(modelConfig.maxPositionEmbeddings(), 4096));
        DjinnConfig.Engine e = config.engine();
        int maxSeqs = e.maxNumSeqs().orElse(device.isGpu() ? GPU_MAX_NUM_SEQS : CPU_MAX_NUM_SEQS);
        KvCacheSizing kv = kvCache(lm, device, maxSeqs, maxContext);
        LOG.infof("KV cache: %d slots of %d tokens (%d tokens, %d MiB%s)", kv.slots(), maxContext,
                (long) kv.slots() * maxContext, kv.bytes() >> 20,
                kv.budgetBytes() < 0 ? "" : " of a " + (kv.budgetBytes() >> 20) + " MiB budget");
        int prefillFirst = e.prefillFirstTokens().orElse(device.isGpu() ? 0 : CPU_PREFILL_FIRST_TOKENS);
        Warmup.Listener listener = new Warmup.Listener(metrics);
        InferenceEngine engine = new InferenceEngine(lm, NDManager.newBaseManager(device),
                new EngineSettings(kv.slots(), maxContext, e.prefillChunk(), e.maxNumBatchedTokens(), prefillFirst,
                        e.maxWaiting(), e.queueTimeout()), listener);
        metrics.attach(engine);
        String id = config.model().name().orElse(checkpoint.modelId());
        ServedModel served = new ServedModel(id, modelConfig, tokenizer, tokenizer.chatTemplate(), generationConfig,
                engine, new OutputShaping.Settings(config.model().toolCallFormat(), config.model().reasoningParser()));
        t = System.nanoTime();
        Warmup.run(served, listener);
        long warmupNanos = System.nanoTime() - t;
        if (tracing != null) {
            served.tracer(tracing.tracer());
        }
        // one line with the loader's breakdown, read by measure-startup.sh
        LOG.infof("Loader timings: waited for HTTP up %d ms, libtorch %d ms, weights %d ms (%s), tokenizer %d ms "
                + "(tables and template %d ms, native %d ms; waited %d ms), warm-up %d ms, total %d ms",
                httpWaitNanos / 1_000_000, libtorchNanos / 1_000_000, weightsNanos / 1_000_000,
                lm.fromPreparedWeights() ? "prepared" : "folded", (tokenizerNanos[0] + tokenizerNanos[1]) / 1_000_000,
                tokenizerNanos[0] / 1_000_000, tokenizerNanos[1] / 1_000_000, tokenizerWaitNanos / 1_000_000,
                warmupNanos / 1_000_000,
                (System.nanoTime() - start) / 1_000_000);
        if (prepared != null && !lm.fromPreparedWeights()) {
            // freshly folded: kept for the next start, written from the weights in place while the engine is idle
            PreparedWeightsWriter.start(lm, engine);
        }
        LOG.infof("Model '%s' ready in %.2f s since start of loading (KV cache %d MiB for %d sequences of %d tokens)", id,
                (System.nanoTime() - start) / 1e9, engine.cacheBytes() >> 20, kv.slots(),
                maxContext);
        return served;
    }

    /** Where the folded weights are kept between starts (djinn.model.prepared-weights), or null where they are not. */
    private PreparedWeights preparedWeights(Path dir, Device device, DataType dtype) {
        if (!config.model().preparedWeights() || device.isGpu() || !PreparedWeights.supports(dtype)) {
            return null;
        }
        try {
            return PreparedWeights.of(Path.of(config.model().cacheDir(), "prepared"), dir, dtype);
        } catch (RuntimeException e) {
            LOG.warnf("No prepared weights: %s", e.getMessage());
            return null;
        }
    }

    /** Waits (at most {@link #HTTP_UP_WAIT}) until the HTTP server listens; the nanoseconds waited. */
    private long awaitHttpUp() throws InterruptedException {
        long t = System.nanoTime();
        if (httpUp != null && !httpUp.await(HTTP_UP_WAIT)) {
            LOG.warnf("HTTP server not listening after %s: loading the model anyway", HTTP_UP_WAIT);
        }
        return System.nanoTime() - t;
    }

    /**
     * KV-cache slots: max-num-seqs, fewer when the memory budget cannot hold them at the full context. The budget is
     * kv-cache-mib when set, else on a GPU what gpu-memory-utilization leaves after the weights and a step's working
     * memory, else none.
     */
    private KvCacheSizing kvCache(LlamaModel lm, Device device, int maxSeqs, int maxContext) {
        DjinnConfig.Engine e = config.engine();
        long perSlot = lm.cacheBytesPerSlot(maxContext);
        if (e.kvCacheMib().isPresent()) {
            int mib = e.kvCacheMib().getAsInt();
            return KvCacheSizing.fit(maxSeqs, perSlot, (long) mib << 20, "djinn.engine.kv-cache-mib=" + mib);
        }
        if (!device.isGpu()) {
            return KvCacheSizing.unbounded(maxSeqs, perSlot);
        }
        // blocks the load's temporaries left in libtorch's caching allocator go back to the device first
        JniUtils.emptyCudaCache();
        DeviceMemory.Info mem = DeviceMemory.query(device);
        long workspace = lm.stepWorkspaceBytes(e.maxNumBatchedTokens(), maxSeqs, maxContext);
        long budget = KvCacheSizing.gpuBudget(mem.free(), mem.total(), e.gpuMemoryUtilization(), workspace);
        LOG.infof("%s: %d MiB free of %d MiB after the weights; gpu-memory-utilization %.2f, step working memory "
                + "up to %d MiB", device, mem.free() >> 20, mem.total() >> 20, e.gpuMemoryUtilization(),
                workspace >> 20);
        return KvCacheSizing.fit(maxSeqs, perSlot, budget, "djinn.engine.gpu-memory-utilization="
                + e.gpuMemoryUtilization() + " (" + (mem.free() >> 20) + " MiB free of " + (mem.total() >> 20)
                + " MiB after the weights)");
    }

    static Device device(String name) {
        return RuntimeChoice.device(name, "djinn.model.device");
    }

    static DataType dtype(String name, Device device, String checkpoint) {
        return RuntimeChoice.dtype(name, device, checkpoint, "djinn.model.dtype");
    }
}
