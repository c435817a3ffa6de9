package io.djinn;

import io.djinn.bench.LimiterBenchmark;
import io.djinn.bench.ModelBenchmark;
import io.djinn.bench.ServeBenchmark;
import io.djinn.bench.StructuredBenchmark;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.model.Architecture;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code java -jar quarkus-run.jar [command]}: with no command (or {@code serve}) runs the server; the other
 * commands are tools that run without starting Quarkus.
 */
@QuarkusMain
public class Main {

    public static void main(String... args) throws Exception {
        DjlEnvironment.init();
        String command = args.length == 0 ? "serve" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        if (command.equals("serve")) {
            Quarkus.run(rest);
            return;
        }
        // Tools leave explicitly, also on failure: an in-process server's and an embedded Redis' threads are not
        // all daemons and would keep a failed benchmark's JVM alive.
        int status = 0;
        try {
            switch (command) {
                case "generate-checkpoint" -> generate(options(rest));
                case "bench-model" -> ModelBenchmark.run(options(rest));
                case "bench-serve" -> ServeBenchmark.run(options(rest));
                case "bench-structured" -> StructuredBenchmark.run(options(rest));
                case "bench-limiter" -> LimiterBenchmark.run(options(rest));
                case "help", "--help", "-h" -> usage();
                default -> {
                    System.err.println("unknown command '" + command + "'");
                    usage();
                    status = 2;
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    private static void generate(Map<String, String> o) throws Exception {
        Architecture arch = Architecture.parse(o.getOrDefault("arch", "llama"))
                .orElseThrow(() -> new IllegalArgumentException("--arch must be llama, mistral, qwen2 or qwen3"));
        CheckpointSpec spec = specFrom(o, arch);
        Path out = Path.of(required(o, "out"));
        long t0 = System.nanoTime();
        CheckpointGenerator.generate(spec, out);
        System.out.printf("Wrote %s checkpoint (%s, vocab %d, hidden %d, %d layers, %s) to %s in %.1f s%n",
                arch.hfName(), o.getOrDefault("preset", "tiny"), spec.vocabSize(), spec.hiddenSize(),
                spec.numLayers(), spec.weightDtype(), out, (System.nanoTime() - t0) / 1e9);
    }

    /** The checkpoint shape the generator options describe (shared with the benchmark). */
    public static CheckpointSpec specFrom(Map<String, String> o, Architecture arch) {
        CheckpointSpec spec = CheckpointSpec.preset(o.getOrDefault("preset", "tiny"), arch);
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

    public static Map<String, String> options(String[] args) {
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

    private static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar target/quarkus-app/quarkus-run.jar [command] [options]

                  serve                      run the server (default)
                  generate-checkpoint        write a Hugging Face checkpoint with random weights
                      --out DIR              target folder (required)
                      --arch NAME            llama | mistral | qwen2 | qwen3 (default llama)
                      --preset NAME          tiny | smollm-135m (default tiny)
                      --vocab N              tokenizer vocabulary size (default: the preset's)
                      --layers N             override the preset's layer count
                      --dtype T              F32 | F16 | BF16 weights (default F32)
                      --seed N               weight seed (default 42)
                      --shard-mb N           split weights into shards of at most N MiB
                  bench-model                prefill/decode tokens/s on one device beside the bandwidth ceiling,
                                             the N-row decode step, tensor calls and copies per decode step
                      --model DIR            checkpoint to load (default: generate --preset into a temp folder)
                      --preset/--arch/...    as for generate-checkpoint (default preset smollm-135m)
                      --weights T            F32 | F16 | BF16 weights of a generated checkpoint (default F32)
                      --device D             cpu | cuda:N (default cpu)
                      --dtype T              runtime dtype: auto | float32 | float16 | bfloat16 (default auto,
                                             as djinn.model.dtype: float32 on cpu)
                      --prompt N             prompt tokens (default 256)
                      --tokens N             decoded tokens (default 64)
                      --rows N               also time decode steps of N rows in N slots (default 16; 1 = off)
                      --json FILE            also write the figures as JSON
                  bench-limiter              latency the key check and rate limiter add per request (p50, p99)
                      --redis URI            Redis to use (default: start the embedded loopback Redis)
                      --requests N           measured requests (default 20000)
                      --warmup N             warm-up requests (default 5000)
                      --json FILE            also write the figures as JSON
                """ + ServeBenchmark.USAGE + StructuredBenchmark.USAGE);
    }
}
