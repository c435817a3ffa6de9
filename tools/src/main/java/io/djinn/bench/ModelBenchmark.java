package io.djinn.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.djinn.DjlEnvironment;
import io.djinn.model.KvCache;
import io.djinn.model.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Single-stream speed of the forward pass: prefill and decode tokens/s, beside the ceiling that memory bandwidth
 * puts on decoding (every decoded token reads every weight once), all measured in one run.
 */
public final class ModelBenchmark {

    private ModelBenchmark() {}

    public static void run(Map<String, String> o) throws Exception {
        DjlEnvironment.init();
        try (BenchCheckpoint checkpoint = BenchCheckpoint.of(o, "model", Map.of("preset", "smollm-135m"))) {
            measure(checkpoint.dir(), o);
        }
    }

    private static void measure(Path dir, Map<String, String> o) throws Exception {
        int promptLen = Integer.parseInt(o.getOrDefault("prompt", "256"));
        int decodeLen = Integer.parseInt(o.getOrDefault("tokens", "64"));
        DataType dtype = "float16".equals(o.get("dtype-run")) ? DataType.FLOAT16 : DataType.FLOAT32;

        Map<String, Object> r = new LinkedHashMap<>();
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), dtype);
                NDManager root = NDManager.newBaseManager(Device.cpu());
                KvCache cache = model.allocateCache(1, promptLen + decodeLen + 8)) {
            int vocab = model.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(7);
            int[] prompt = rnd.ints(promptLen, 0, vocab).toArray();

            // Warm-up: libtorch allocates and picks kernels on the first calls.
            for (int i = 0; i < 2; i++) {
                prefill(model, root, cache, prompt);
                decode(model, root, cache, promptLen, 8);
            }
            double[] prefillTimes = new double[3];
            double[] decodeTimes = new double[3];
            for (int i = 0; i < 3; i++) {
                prefillTimes[i] = prefill(model, root, cache, prompt);
                decodeTimes[i] = decode(model, root, cache, promptLen, decodeLen);
            }
            double prefillTps = promptLen / median(prefillTimes);
            double decodeTps = decodeLen / median(decodeTimes);
            long weightBytes = model.weightBytes();
            double copyBw = copyBandwidth(root);
            double ceiling = copyBw / weightBytes;

            r.put("model", dir.toString());
            r.put("architecture", model.config().architecture().hfName());
            r.put("dtype", dtype.toString());
            r.put("threads", Runtime.getRuntime().availableProcessors());
            r.put("prompt_tokens", promptLen);
            r.put("decode_tokens", decodeLen);
            r.put("prefill_tokens_per_s", round(prefillTps));
            r.put("decode_tokens_per_s", round(decodeTps));
            r.put("weight_bytes_per_token", weightBytes);
            r.put("copy_bandwidth_gb_per_s", round(copyBw / 1e9));
            r.put("decode_ceiling_tokens_per_s", round(ceiling));
            r.put("decode_fraction_of_ceiling", round(decodeTps / ceiling));
        }
        System.out.printf("""
                Djinn model benchmark (one stream, %s, %s)
                  prefill: %8.1f tokens/s  (%d-token prompt, median of 3)
                  decode:  %8.1f tokens/s  (%d tokens, median of 3)
                  weights read per decoded token: %.1f MB
                  measured copy bandwidth:        %.2f GB/s (bytes read per second while copying 1 GiB)
                  bandwidth ceiling for decode:   %8.1f tokens/s
                  decode / ceiling:               %.2f
                """, r.get("architecture"), r.get("dtype"), r.get("prefill_tokens_per_s"), promptLen,
                r.get("decode_tokens_per_s"), decodeLen, ((Long) r.get("weight_bytes_per_token")) / 1e6,
                r.get("copy_bandwidth_gb_per_s"), r.get("decode_ceiling_tokens_per_s"),
                r.get("decode_fraction_of_ceiling"));
        if (o.containsKey("json")) {
            Files.writeString(Path.of(o.get("json")),
                    new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                            .writeValueAsString(r));
        }
    }

    private static double prefill(LlamaModel model, NDManager root, KvCache cache, int[] prompt) {
        long t0 = System.nanoTime();
        try (NDManager step = root.newSubManager()) {
            NDArray logits = model.forward(step, cache, new int[] {0}, new int[][] {prompt}, new int[] {0}, false);
            logits.argMax(1).toLongArray();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double decode(LlamaModel model, NDManager root, KvCache cache, int start, int n) {
        int token = 1;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (NDManager step = root.newSubManager()) {
                NDArray logits = model.forward(step, cache, new int[] {0}, new int[][] {{token}},
                        new int[] {start + i}, false);
                token = (int) logits.argMax(1).toLongArray()[0];
            }
        }
        return (System.nanoTime() - t0) / 1e9;
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
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, n * 4 / s);
            }
        }
        return best;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
