package io.djinn.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.djinn.common.DjlEnvironment;
import io.djinn.engine.Sampler;
import io.djinn.engine.SamplingParams;
import io.djinn.model.CausalLM;
import io.djinn.model.CpuThreads;
import io.djinn.model.KvCache;
import io.djinn.model.LlamaModel;
import io.djinn.model.ModelConfig;
import io.djinn.model.Ops;
import io.djinn.model.RuntimeChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Speed of the forward pass on one device: single-stream prefill and decode tokens/s beside the ceiling that memory
 * bandwidth puts on decoding (every decoded token reads every weight once), the step time of a batch of decode rows,
 * and the tensor calls and host/device copies of a decode step for 1 and for N rows, all measured in one run. A
 * decode step here is what the engine runs: {@link CausalLM#step} and the greedy {@link Sampler}.
 */
public final class ModelBenchmark {

    private ModelBenchmark() {}

    public static void run(Map<String, String> o) throws Exception {
        DjlEnvironment.init();
        if (o.containsKey("dtype-run")) {
            throw new IllegalArgumentException("--dtype-run is now --dtype (the runtime dtype); the generated "
                    + "checkpoint's weights are --weights");
        }
        Map<String, String> gen = new LinkedHashMap<>(o);
        gen.remove("dtype");
        if (o.containsKey("weights")) {
            gen.put("dtype", o.get("weights"));
        }
        try (BenchCheckpoint checkpoint = BenchCheckpoint.of(gen, "model", Map.of("preset", "smollm-135m"))) {
            measure(checkpoint.dir(), o);
        }
    }

    /**
     * Applies {@code --threads}, {@code --wait-policy} and {@code --spin-count} (the server's {@code djinn.cpu.*},
     * same defaults) before libtorch loads; returns the intra-op threads.
     */
    static int cpuThreads(Map<String, String> o) {
        return CpuThreads.apply(Integer.parseInt(o.getOrDefault("threads", "0")),
                CpuThreads.WaitPolicy.parse(waitPolicy(o), "--wait-policy"), spinCount(o));
    }

    /** {@code --wait-policy} as given, or the server's default. */
    static String waitPolicy(Map<String, String> o) {
        return o.getOrDefault("wait-policy", "bounded");
    }

    /** {@code --spin-count} as given, or the server's default. */
    static long spinCount(Map<String, String> o) {
        return o.containsKey("spin-count") ? Long.parseLong(o.get("spin-count")) : CpuThreads.DEFAULT_SPIN_COUNT;
    }

    private static void measure(Path dir, Map<String, String> o) throws Exception {
        int threads = cpuThreads(o);
        int promptLen = Integer.parseInt(o.getOrDefault("prompt", "256"));
        int decodeLen = Integer.parseInt(o.getOrDefault("tokens", "64"));
        int rows = Integer.parseInt(o.getOrDefault("rows", "16"));
        Device device = RuntimeChoice.device(o.getOrDefault("device", "cpu"), "--device");
        DataType dtype = RuntimeChoice.dtype(o.getOrDefault("dtype", "auto"), device,
                ModelConfig.read(dir).torchDtype(), "--dtype");

        Map<String, Object> r = new LinkedHashMap<>();
        try (LlamaModel model = LlamaModel.load(dir, device, dtype);
                NDManager root = NDManager.newBaseManager(device);
                KvCache cache = model.allocateCache(Math.max(1, rows), promptLen + decodeLen + 8)) {
            int vocab = model.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(7);
            int[] prompt = rnd.ints(promptLen, 0, vocab).toArray();
            Decoder decoder = new Decoder(model, root, cache, vocab);

            // Warm-up: libtorch allocates and picks kernels on the first calls.
            for (int i = 0; i < 2; i++) {
                prefill(model, root, cache, prompt);
                decoder.run(1, promptLen, 8);
            }
            double[] prefillTimes = new double[3];
            double[] decodeTimes = new double[3];
            for (int i = 0; i < 3; i++) {
                prefillTimes[i] = prefill(model, root, cache, prompt);
                decodeTimes[i] = decoder.run(1, promptLen, decodeLen);
            }
            double prefillTps = promptLen / median(prefillTimes);
            double decodeTps = decodeLen / median(decodeTimes);
            Map<String, Object> calls = new LinkedHashMap<>();
            Map<String, Object> layerCalls = new LinkedHashMap<>();
            Map<String, Object> uploads = new LinkedHashMap<>();
            Map<String, Object> downloads = new LinkedHashMap<>();
            Ops.Counts one = decoder.count(1, promptLen);
            calls.put("1", one.calls());
            layerCalls.put("1", model.lastStepLayerCalls() / model.config().numHiddenLayers());
            uploads.put("1", one.uploads());
            downloads.put("1", one.downloads());
            double batchStep = Double.NaN;
            if (rows > 1) {
                // every slot holds the same prompt; then decode steps feed one token to each of the rows
                for (int slot = 1; slot < rows; slot++) {
                    cache.copyPrefix(0, slot, promptLen);
                }
                decoder.run(rows, promptLen, 4);
                double[] batchTimes = new double[3];
                for (int i = 0; i < 3; i++) {
                    batchTimes[i] = decoder.run(rows, promptLen, decodeLen) / decodeLen;
                }
                batchStep = median(batchTimes);
                Ops.Counts many = decoder.count(rows, promptLen);
                String key = String.valueOf(rows);
                calls.put(key, many.calls());
                layerCalls.put(key, model.lastStepLayerCalls() / model.config().numHiddenLayers());
                uploads.put(key, many.uploads());
                downloads.put(key, many.downloads());
            }
            double[] profile = decoder.profile(promptLen, Math.min(decodeLen, 32));
            double tinyCall = tinyCallMs(root);
            long stepCalls = one.calls();
            long weightBytes = model.weightBytes();
            double copyBw = copyBandwidth(root);
            double ceiling = copyBw / weightBytes;

            r.put("model", dir.toString());
            r.put("architecture", model.config().architecture().hfName());
            r.put("layers", model.config().numHiddenLayers());
            r.put("device", device.toString());
            r.put("dtype", dtype.toString());
            r.put("threads", threads);
            r.put("wait_policy", waitPolicy(o));
            r.put("spin_count", spinCount(o));
            r.put("prompt_tokens", promptLen);
            r.put("decode_tokens", decodeLen);
            r.put("prefill_tokens_per_s", round(prefillTps));
            r.put("decode_tokens_per_s", round(decodeTps));
            r.put("decode_step_ms", round(1e3 / decodeTps));
            if (rows > 1) {
                r.put("batch_rows", rows);
                r.put("batch_decode_step_ms", round(batchStep * 1e3));
                r.put("batch_decode_tokens_per_s", round(rows / batchStep));
                r.put("batch_step_over_single_step", round(batchStep * decodeTps));
            }
            int layers = model.config().numHiddenLayers();
            Map<String, Object> breakdown = new LinkedHashMap<>();
            breakdown.put("step_ms", round(profile[0]));
            breakdown.put("layers_ms", round(profile[2]));
            breakdown.put("per_layer_ms", round(profile[2] / layers));
            breakdown.put("lm_head_ms", round(profile[1] - profile[2]));
            breakdown.put("sampling_ms", round(profile[3]));
            breakdown.put("rest_ms", round(profile[0] - profile[1] - profile[3]));
            breakdown.put("tensor_calls", stepCalls);
            breakdown.put("tensor_call_overhead_ms", round(stepCalls * tinyCall));
            r.put("one_row_step_breakdown", breakdown);
            r.put("ops_per_decode_step", calls);
            r.put("ops_per_layer_per_decode_step", layerCalls);
            r.put("uploads_per_decode_step", uploads);
            r.put("downloads_per_decode_step", downloads);
            r.put("weight_bytes_per_token", weightBytes);
            r.put("copy_bandwidth_gb_per_s", round(copyBw / 1e9));
            r.put("decode_ceiling_tokens_per_s", round(ceiling));
            r.put("decode_fraction_of_ceiling", round(decodeTps / ceiling));
        }
        System.out.printf("""
                Djinn model benchmark (%s, %s on %s, %d intra-op threads, wait policy %s)
                  prefill: %8.1f tokens/s  (%d-token prompt, median of 3)
                  decode:  %8.1f tokens/s  (one stream, %d tokens, median of 3)
                  weights read per decoded token: %.1f MB
                  measured copy bandwidth:        %.2f GB/s (bytes read per second while copying 1 GiB)
                  bandwidth ceiling for decode:   %8.1f tokens/s
                  decode / ceiling:               %.2f
                """, r.get("architecture"), r.get("dtype"), r.get("device"), threads, r.get("wait_policy"),
                r.get("prefill_tokens_per_s"), promptLen,
                r.get("decode_tokens_per_s"), decodeLen, ((Long) r.get("weight_bytes_per_token")) / 1e6,
                r.get("copy_bandwidth_gb_per_s"), r.get("decode_ceiling_tokens_per_s"),
                r.get("decode_fraction_of_ceiling"));
        if (rows > 1) {
            System.out.printf("""
                      %d-row decode step:      %8.2f ms  (%.1f tokens/s, %.2f x the one-row step, median of 3)
                    """, rows, r.get("batch_decode_step_ms"), r.get("batch_decode_tokens_per_s"),
                    r.get("batch_step_over_single_step"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> b = (Map<String, Object>) r.get("one_row_step_breakdown");
        System.out.printf("""
                  one-row decode step, median of up to 32 steps: %.2f ms = %d layers %.2f ms (%.3f ms each)
                    + LM head with final norm %.2f ms + greedy sampling %.2f ms + the rest %.2f ms;
                    %d tensor calls, of which the JNI/DJL cost of a trivial call is %.2f ms in all
                """, b.get("step_ms"), r.get("layers"), b.get("layers_ms"), b.get("per_layer_ms"), b.get("lm_head_ms"),
                b.get("sampling_ms"), b.get("rest_ms"), b.get("tensor_calls"), b.get("tensor_call_overhead_ms"));
        System.out.printf("  tensor calls per decode step (rows: calls, per layer): %s, %s; uploads %s, downloads %s%n",
                r.get("ops_per_decode_step"), r.get("ops_per_layer_per_decode_step"), r.get("uploads_per_decode_step"),
                r.get("downloads_per_decode_step"));
        if (o.containsKey("json")) {
            Files.writeString(Path.of(o.get("json")),
                    new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                            .writeValueAsString(r));
        }
    }

    static double prefill(LlamaModel model, NDManager root, KvCache cache, int[] prompt) {
        long t0 = System.nanoTime();
        try (NDManager step = root.newSubManager()) {
            NDArray logits = model.forward(step, cache, new int[] {0}, new int[][] {prompt}, new int[] {0}, false);
            Ops.downloadLongs(logits.argMax(1));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Greedy decode steps as the engine runs them: the model's step and the sampler, one token per row. */
    static final class Decoder {
        private final LlamaModel model;
        private final NDManager root;
        private final KvCache cache;
        private final int vocab;
        private final Sampler sampler = new Sampler();

        Decoder(LlamaModel model, NDManager root, KvCache cache, int vocab) {
            this.model = model;
            this.root = root;
            this.cache = cache;
            this.vocab = vocab;
        }

        /** {@code n} steps of {@code rows} rows in slots {@code 0..rows-1}, all at the same positions; seconds. */
        double run(int rows, int start, int n) {
            int[][] tokens = new int[rows][];
            for (int b = 0; b < rows; b++) {
                tokens[b] = new int[] {1 + b};
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                step(rows, start + i, tokens);
            }
            return (System.nanoTime() - t0) / 1e9;
        }

        /** The calls and copies of one step of {@code rows} rows. */
        Ops.Counts count(int rows, int start) {
            int[][] tokens = new int[rows][];
            for (int b = 0; b < rows; b++) {
                tokens[b] = new int[] {1 + b};
            }
            Ops.Counts before = Ops.counts();
            step(rows, start, tokens);
            return Ops.counts().minus(before);
        }

        /**
         * Where one decode step of one row goes, milliseconds (median of {@code n} steps each): {@code [whole step
         * as the engine runs it, model step with logits, model step without logits (embedding and layers),
         * greedy sampling of the logits]}; the LM head with the final norm is the second minus the third.
         */
        double[] profile(int start, int n) {
            double[][] t = new double[4][n];
            int[][] tokens = {{1}};
            int[] one = {0};
            int[] none = {};
            for (int i = 0; i < n; i++) {
                int position = start + i;
                long t0 = System.nanoTime();
                step(1, position, tokens);
                t[0][i] = (System.nanoTime() - t0) / 1e6;
                try (NDManager scope = root.newSubManager()) {
                    long t1 = System.nanoTime();
                    model.step(scope, cache, one, tokens, new int[] {position}, none, null);
                    t[2][i] = (System.nanoTime() - t1) / 1e6;
                }
                try (NDManager scope = root.newSubManager()) {
                    long t1 = System.nanoTime();
                    CausalLM.StepOutput out = model.step(scope, cache, one, tokens, new int[] {position}, one, null);
                    long t2 = System.nanoTime();
                    Sampler.Prepared prepared = sampler.prepare(List.of(new Sampler.Row(
                            SamplingParams.builder().temperature(0).build(), new int[0], new int[0], 0)),
                            new float[1], vocab);
                    sampler.sample(scope, out.logits(), prepared, out.extra());
                    t[1][i] = (t2 - t1) / 1e6;
                    t[3][i] = (System.nanoTime() - t2) / 1e6;
                }
            }
            return Arrays.stream(t).mapToDouble(ModelBenchmark::median).toArray();
        }

        private void step(int rows, int position, int[][] tokens) {
            int[] slots = new int[rows];
            int[] starts = new int[rows];
            int[] logitRows = new int[rows];
            List<Sampler.Row> sampling = new ArrayList<>(rows);
            SamplingParams greedy = SamplingParams.builder().temperature(0).build();
            for (int b = 0; b < rows; b++) {
                slots[b] = b;
                starts[b] = position;
                logitRows[b] = b;
                sampling.add(new Sampler.Row(greedy, new int[0], new int[0], 0));
            }
            Sampler.Prepared prepared = sampler.prepare(sampling, new float[rows], vocab);
            float[] params = prepared.deviceParams();
            try (NDManager scope = root.newSubManager()) {
                CausalLM.StepOutput out = model.step(scope, cache, slots, tokens, starts, logitRows,
                        params.length == 0 ? null : params);
                int[] next = sampler.sample(scope, out.logits(), prepared, out.extra()).tokens();
                for (int b = 0; b < rows; b++) {
                    tokens[b] = new int[] {next[b]};
                }
            }
        }
    }

    /** Milliseconds of one trivial tensor call (a 1x8 add): what crossing JNI and DJL's bookkeeping costs. */
    private static double tinyCallMs(NDManager root) {
        double[] t = new double[7];
        try (NDManager m = root.newSubManager()) {
            NDArray a = m.ones(new Shape(1, 8));
            for (int k = 0; k < t.length; k++) {
                try (NDManager s = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < 200; i++) {
                        a.add(a).attach(s);
                    }
                    t[k] = (System.nanoTime() - t0) / 1e6 / 200;
                }
            }
        }
        return median(t);
    }

    /** Bytes read per second while libtorch copies a 1 GiB tensor (larger than any cache), best of 5. */
    private static double copyBandwidth(NDManager root) {
        long n = 1L << 28;
        double best = 0;
        try (NDManager m = root.newSubManager()) {
            NDArray src = m.ones(new Shape(n), DataType.FLOAT32);
            NDArray dst = m.zeros(new Shape(n), DataType.FLOAT32);
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                dst.set(new ai.djl.ndarray.index.NDIndex(":"), src);
                // a device-to-host copy of one element waits for the copy to finish on a GPU
                dst.get(new ai.djl.ndarray.index.NDIndex("0:1")).toFloatArray();
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, n * 4 / s);
            }
        }
        return best;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
