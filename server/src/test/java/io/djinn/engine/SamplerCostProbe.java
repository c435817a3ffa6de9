package io.djinn.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.djinn.common.DjlEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tool, not a test: the sampler's cost per decode step for a SmolLM-sized vocabulary and a batch of 8, plain
 * rows against rows using every logits processor and logprobs. Run with
 * {@code java -Dai.djl.offline=true --enable-native-access=ALL-UNNAMED -cp ... io.djinn.engine.SamplerCostProbe
 * [vocab] [temperature] [steps] [top_p]}.
 */
public final class SamplerCostProbe {
    public static void main(String[] args) {
        DjlEnvironment.init();
        int vocab = args.length > 0 ? Integer.parseInt(args[0]) : 49152;
        int batch = 8;
        double temperature = args.length > 1 ? Double.parseDouble(args[1]) : 0.8;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        double topP = args.length > 3 ? Double.parseDouble(args[3]) : 0.95;
        SplittableRandom r = new SplittableRandom(1);
        float[] raw = new float[batch * vocab];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (float) r.nextGaussian() * 3;
        }
        int[] prompt = r.ints(512, 0, vocab).toArray();
        int[] output = r.ints(128, 0, vocab).toArray();
        SamplingParams plain = SamplingParams.builder().temperature(temperature).topP(topP).build();
        SamplingParams full = SamplingParams.builder().temperature(temperature).topP(topP).minP(0.05)
                .presencePenalty(0.5).frequencyPenalty(0.3).repetitionPenalty(1.1).logitBias(Map.of(7, 2f, 9, -2f))
                .badWords(List.of(new int[] {3}, new int[] {output[127], 4})).minTokens(200)
                .eosTokenIds(new int[] {0}).logprobs(5).build();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (int round = 0; round < 2; round++) {
                double tPlain = time(manager, raw, batch, vocab, plain, prompt, output, steps);
                double tProcessed = time(manager, raw, batch, vocab, full.toBuilder().logprobs(-1).build(), prompt,
                        output, steps);
                double tFull = time(manager, raw, batch, vocab, full, prompt, output, steps);
                System.out.printf("vocab %d batch %d temperature %.1f top_p " + topP + ": plain %.3f ms/step, all processors %.3f "
                        + "(ratio %.2f), processors + 5 logprobs %.3f (ratio %.2f)%n", vocab, batch, temperature,
                        tPlain, tProcessed, tProcessed / tPlain, tFull, tFull / tPlain);
            }
        }
    }

    static double time(NDManager manager, float[] raw, int batch, int vocab, SamplingParams p, int[] prompt,
            int[] output, int steps) {
        Sampler sampler = new Sampler();
        List<Sampler.Row> rows = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            rows.add(new Sampler.Row(p, prompt, output, output.length));
        }
        float[] u = new float[batch];
        long start = 0;
        for (int s = 0; s < steps + 5; s++) {
            if (s == 5) {
                start = System.nanoTime();
            }
            try (NDManager scope = manager.newSubManager()) {
                NDArray logits = scope.create(raw, new Shape(batch, vocab));
                java.util.Arrays.fill(u, 0.5f);
                sampler.sample(scope, logits, rows, u);
            }
        }
        return (System.nanoTime() - start) / 1e6 / steps;
    }
}
