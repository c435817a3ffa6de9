package io.djinn.bench;

import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.CheckpointOptions;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code java -jar tools/target/djinn-tools.jar COMMAND [options]}: the benchmarks. They are not part of the server
 * jar or its images; {@code bench-serve --start} runs the packaged server as a child process.
 */
public final class Tools {
    private Tools() {}

    public static void main(String... args) {
        DjlEnvironment.init();
        String command = args.length == 0 ? "help" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        // Tools leave explicitly, also on failure: an embedded Redis' or an HTTP client's threads are not all daemons
        // and would keep a failed benchmark's JVM alive.
        int status = 0;
        try {
            Map<String, String> o = CheckpointOptions.parse(rest);
            switch (command) {
                case "generate-checkpoint" -> CheckpointOptions.generate(o);
                case "bench-model" -> ModelBenchmark.run(o);
                case "bench-serve" -> ServeBenchmark.run(o);
                case "bench-structured" -> StructuredBenchmark.run(o);
                case "bench-limiter" -> LimiterBenchmark.run(o);
                case "bench-peer" -> PeerBenchmark.run(o, rest);
                case "help", "bench-help", "--help", "-h" -> usage();
                default -> {
                    System.err.println("unknown command '" + command + "'");
                    usage();
                    status = 2;
                }
            }
        } catch (IllegalArgumentException e) {
            // Settings the tool refuses: the message says what and why; a stack trace would only hide it.
            System.err.println(command + ": " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            e.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar tools/target/djinn-tools.jar COMMAND [options]

                """ + CheckpointOptions.USAGE + """
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
                      --threads N            libtorch intra-op threads, as djinn.cpu.threads (default 0: all)
                      --wait-policy P        bounded | passive | active, as djinn.cpu.wait-policy (default bounded)
                      --spin-count N         spins per wait under bounded, as djinn.cpu.spin-count (default 20000)
                      --json FILE            also write the figures as JSON
                  bench-limiter              latency the key check and rate limiter add per request (p50, p99)
                      --redis URI            Redis to use (default: start the embedded loopback Redis)
                      --requests N           measured requests (default 20000)
                      --warmup N             warm-up requests (default 5000)
                      --json FILE            also write the figures as JSON
                """ + PeerBenchmark.USAGE + ServeBenchmark.USAGE + StructuredBenchmark.USAGE);
    }
}
