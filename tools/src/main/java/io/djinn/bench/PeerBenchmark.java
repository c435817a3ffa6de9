package io.djinn.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import io.djinn.model.KvCache;
import io.djinn.model.LlamaModel;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code bench-peer}: Djinn's model beside Jlama (the pure-Java engine a JVM user would otherwise pick) on the same
 * checkpoint in one process, single stream, float32: prefill and decode tokens/s of each, run after run alternating
 * the two engines, medians, ratios and the spread of each engine's decode figures.
 *
 * <p>Jlama runs through its public API ({@link ModelSupport#loadModel} on the checkpoint folder: config.json,
 * safetensors, tokenizer.json; then {@link Generator#generate} at temperature 0 with a fresh session per run), and
 * its own timings (prompt and generation milliseconds) are used. Djinn runs its model's prefill and then the decode
 * steps the engine runs (the model's step and the greedy sampler), on the very token ids Jlama encoded the prompt
 * to. Jlama needs the incubating Vector API: without {@code --add-modules jdk.incubator.vector} the command starts
 * itself again in a child JVM with it.
 */
public final class PeerBenchmark {
    static final String USAGE = """
              bench-peer                 single-stream prefill/decode tokens/s of Djinn's model and of Jlama 0.8.4
                                         on the same checkpoint, alternating, median and spread over the runs
                  --model DIR            checkpoint to load (default: generate --preset/--vocab into a temp folder)
                  --preset/--vocab/...   as for generate-checkpoint (default smollm-135m with vocabulary 128256)
                  --prompt N             prompt tokens (default 36)
                  --tokens N             decoded tokens (default 64)
                  --runs N               measured runs of each engine, at least 3 (default 5)
                  --threads N            libtorch intra-op threads, as djinn.cpu.threads (default 0: all)
                  --wait-policy P        bounded | passive | active, as djinn.cpu.wait-policy (default bounded)
                  --spin-count N         spins per wait under bounded, as djinn.cpu.spin-count (default 20000)
                  --json FILE            also write the figures as JSON
            """;

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** Words the prompt is made of; the generated tokenizer's byte-level BPE splits them into a few tokens each. */
    private static final String WORDS = "the quick brown fox jumps over a lazy dog while seven wizards quietly "
            + "mix potions near an old stone bridge ";

    private PeerBenchmark() {}

    public static void run(Map<String, String> o, String[] args) throws Exception {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            System.exit(relaunch(args));
        }
        int promptLen = Integer.parseInt(o.getOrDefault("prompt", "36"));
        int decodeLen = Integer.parseInt(o.getOrDefault("tokens", "64"));
        int runs = Integer.parseInt(o.getOrDefault("runs", "5"));
        if (runs < 3 || promptLen < 2 || decodeLen < 2) {
            throw new IllegalArgumentException("--runs must be at least 3, --prompt and --tokens at least 2");
        }
        try (BenchCheckpoint checkpoint = BenchCheckpoint.of(o, "model",
                Map.of("preset", "smollm-135m", "vocab", "128256"))) {
            measure(checkpoint, o, promptLen, decodeLen, runs);
        }
    }

    /** The same command in a child JVM that has the Vector API module; returns its exit status. */
    private static int relaunch(String[] args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString()));
        cmd.add("--add-modules=" + VECTOR_MODULE);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Tools.class.getName());
        cmd.add("bench-peer");
        cmd.addAll(Arrays.asList(args));
        System.out.println("(restarting with --add-modules " + VECTOR_MODULE + " for Jlama)");
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    private static void measure(BenchCheckpoint checkpoint, Map<String, String> o, int promptLen, int decodeLen,
            int runs) throws Exception {
        Path dir = checkpoint.dir();
        int threads = ModelBenchmark.cpuThreads(o);
        System.out.printf("Loading Jlama and Djinn (libtorch: %d intra-op threads, wait policy %s) on %s ...%n",
                threads, ModelBenchmark.waitPolicy(o), checkpoint.description());
        try (AbstractModel jlama = ModelSupport.loadModel(dir.toFile(), DType.F32, DType.F32);
                LlamaModel djinn = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager root = NDManager.newBaseManager(Device.cpu());
                KvCache cache = djinn.allocateCache(1, promptLen + decodeLen + 8)) {
            String prompt = promptOf(jlama, promptLen);
            int[] ids = jlama.encodePrompt(PromptContext.of(prompt));
            ModelBenchmark.Decoder decoder = new ModelBenchmark.Decoder(djinn, root, cache,
                    djinn.config().vocabSize());

            // warm-up: Jlama's Vector API code is compiled by the JIT, libtorch picks kernels on its first calls
            for (int i = 0; i < 2; i++) {
                jlamaRun(jlama, prompt, decodeLen);
                djinnRun(djinn, root, cache, decoder, ids, decodeLen);
            }
            double[][] j = new double[runs][];
            double[][] d = new double[runs][];
            for (int i = 0; i < runs; i++) {
                // alternate which engine goes first, so that neither always runs on the other's heels
                if (i % 2 == 0) {
                    j[i] = jlamaRun(jlama, prompt, decodeLen);
                    d[i] = djinnRun(djinn, root, cache, decoder, ids, decodeLen);
                } else {
                    d[i] = djinnRun(djinn, root, cache, decoder, ids, decodeLen);
                    j[i] = jlamaRun(jlama, prompt, decodeLen);
                }
                System.out.printf("  run %d: Djinn decode %6.1f prefill %7.1f | Jlama decode %6.1f prefill %7.1f"
                        + " tokens/s%n", i + 1, d[i][1], d[i][0], j[i][1], j[i][0]);
            }
            report(o, checkpoint.description(), ids.length, decodeLen, runs, d, j);
        }
    }

    /** {@code [prefill, decode]} tokens/s of one Jlama generation, from Jlama's own timings. */
    private static double[] jlamaRun(AbstractModel jlama, String prompt, int decodeLen) {
        Generator.Response r = jlama.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, decodeLen);
        return new double[] {r.promptTokens * 1e3 / Math.max(1, r.promptTimeMs),
                r.generatedTokens * 1e3 / Math.max(1, r.generateTimeMs)};
    }

    /** {@code [prefill, decode]} tokens/s of Djinn's prefill of the ids and decodeLen greedy decode steps. */
    private static double[] djinnRun(LlamaModel djinn, NDManager root, KvCache cache,
            ModelBenchmark.Decoder decoder, int[] ids, int decodeLen) {
        double prefill = ModelBenchmark.prefill(djinn, root, cache, ids);
        double decode = decoder.run(1, ids.length, decodeLen);
        return new double[] {ids.length / prefill, decodeLen / decode};
    }

    /** A prompt that Jlama encodes (BOS included) to {@code tokens} ids, or as close as words allow. */
    private static String promptOf(AbstractModel jlama, int tokens) {
        StringBuilder text = new StringBuilder();
        String[] words = WORDS.split(" ");
        for (int i = 0; jlama.encodePrompt(PromptContext.of(text.toString())).length < tokens; i++) {
            String before = text.toString();
            text.append(i == 0 ? "" : " ").append(words[i % words.length]);
            if (jlama.encodePrompt(PromptContext.of(text.toString())).length > tokens) {
                return before.isEmpty() ? text.toString() : before;
            }
        }
        return text.toString();
    }

    private static void report(Map<String, String> o, String model, int promptLen, int decodeLen, int runs,
            double[][] d, double[][] j) throws Exception {
        double dDecode = ModelBenchmark.median(column(d, 1));
        double dPrefill = ModelBenchmark.median(column(d, 0));
        double jDecode = ModelBenchmark.median(column(j, 1));
        double jPrefill = ModelBenchmark.median(column(j, 0));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model);
        r.put("prompt_tokens", promptLen);
        r.put("decode_tokens", decodeLen);
        r.put("runs", runs);
        r.put("cpus", Runtime.getRuntime().availableProcessors());
        r.put("djinn_decode_tokens_per_s", round(dDecode));
        r.put("djinn_prefill_tokens_per_s", round(dPrefill));
        r.put("jlama_decode_tokens_per_s", round(jDecode));
        r.put("jlama_prefill_tokens_per_s", round(jPrefill));
        r.put("decode_ratio", round(dDecode / jDecode));
        r.put("prefill_ratio", round(dPrefill / jPrefill));
        r.put("djinn_decode_spread", round(spread(column(d, 1))));
        r.put("jlama_decode_spread", round(spread(column(j, 1))));
        r.put("djinn_decode_runs", roundAll(column(d, 1)));
        r.put("jlama_decode_runs", roundAll(column(j, 1)));
        System.out.printf("""
                Peer benchmark (%s, float32, one stream, %d-token prompt, %d tokens, median of %d alternating runs)
                                  decode tok/s   prefill tok/s   decode spread (max-min)/median
                  Djinn          %12.1f   %13.1f   %5.0f%%
                  Jlama 0.8.4    %12.1f   %13.1f   %5.0f%%
                  Djinn / Jlama  %11.2fx   %12.2fx
                """, model, promptLen, decodeLen, runs, dDecode, dPrefill, 100 * spread(column(d, 1)), jDecode,
                jPrefill, 100 * spread(column(j, 1)), dDecode / jDecode, dPrefill / jPrefill);
        if (o.containsKey("json")) {
            Files.writeString(Path.of(o.get("json")),
                    new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                            .writeValueAsString(r));
        }
    }

    private static double[] column(double[][] rows, int c) {
        return Arrays.stream(rows).mapToDouble(row -> row[c]).toArray();
    }

    /** (max - min) / median. */
    static double spread(double[] xs) {
        double max = Arrays.stream(xs).max().orElse(0);
        double min = Arrays.stream(xs).min().orElse(0);
        return (max - min) / ModelBenchmark.median(xs);
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    private static double[] roundAll(double[] xs) {
        return Arrays.stream(xs).map(PeerBenchmark::round).toArray();
    }
}
