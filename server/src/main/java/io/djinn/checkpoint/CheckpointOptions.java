package io.djinn.checkpoint;

import io.djinn.model.Architecture;
import java.util.HashMap;
import java.util.Map;

/**
 * The generator's command-line options ({@code --preset}, {@code --arch}, {@code --vocab}, {@code --layers},
 * {@code --dtype}, {@code --seed}, {@code --shard-mb}) and the checkpoint shape they describe; shared by the server's
 * {@code generate-checkpoint} command and the benchmarks that generate their own checkpoint.
 */
public final class CheckpointOptions {
    private CheckpointOptions() {}

    public static Architecture architecture(Map<String, String> o) {
        return Architecture.parse(o.getOrDefault("arch", "llama"))
                .orElseThrow(() -> new IllegalArgumentException("--arch must be llama, mistral, qwen2 or qwen3"));
    }

    /** The checkpoint shape the generator options describe. */
    public static CheckpointSpec spec(Map<String, String> o) {
        CheckpointSpec spec = CheckpointSpec.preset(o.getOrDefault("preset", "tiny"), architecture(o));
        if (o.containsKey("vocab")) {
            spec = spec.withVocabSize(Integer.parseInt(o.get("vocab")));
        }
        if (o.containsKey("layers")) {
            spec = spec.withLayers(Integer.parseInt(o.get("layers")));
        }
        return spec.withWeights(o.getOrDefault("dtype", spec.weightDtype()),
                Long.parseLong(o.getOrDefault("seed", String.valueOf(spec.seed()))),
                (long) (Double.parseDouble(o.getOrDefault("shard-mb", "0")) * (1 << 20)));
    }

    /** {@code --key value} / {@code --key=value} / {@code --flag} pairs. */
    public static Map<String, String> parse(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
            }
            String key = args[i].substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                o.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                o.put(key, args[++i]);
            } else {
                o.put(key, "true");
            }
        }
        return o;
    }

    public static final String USAGE = """
                  generate-checkpoint        write a Hugging Face checkpoint with random weights
                      --out DIR              target folder (required)
                      --arch NAME            llama | mistral | qwen2 | qwen3 (default llama)
                      --preset NAME          tiny | smollm-135m (default tiny)
                      --vocab N              tokenizer vocabulary size (default: the preset's)
                      --layers N             override the preset's layer count
                      --dtype T              F32 | F16 | BF16 weights (default F32)
                      --seed N               weight seed (default 42)
                      --shard-mb N           split weights into shards of at most N MiB
                """;

    private static final java.util.Set<String> GENERATE_OPTIONS = java.util.Set.of("out", "arch", "preset", "vocab",
            "layers", "dtype", "seed", "shard-mb");

    /** Runs {@code generate-checkpoint}. */
    public static void generate(Map<String, String> o) throws Exception {
        for (String key : o.keySet()) {
            if (!GENERATE_OPTIONS.contains(key)) {
                throw new IllegalArgumentException("unknown option '--" + key + "' (see generate-checkpoint --help)");
            }
        }
        CheckpointSpec spec = spec(o);
        String outOption = o.get("out");
        if (outOption == null) {
            throw new IllegalArgumentException("--out is required");
        }
        java.nio.file.Path out = java.nio.file.Path.of(outOption);
        long t0 = System.nanoTime();
        CheckpointGenerator.generate(spec, out);
        System.out.printf("Wrote %s checkpoint (%s, vocab %d, hidden %d, %d layers, %s) to %s in %.1f s%n",
                architecture(o).hfName(), o.getOrDefault("preset", "tiny"), spec.vocabSize(), spec.hiddenSize(),
                spec.numLayers(), spec.weightDtype(), out, (System.nanoTime() - t0) / 1e9);
    }
}
