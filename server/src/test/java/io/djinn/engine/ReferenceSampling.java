package io.djinn.engine;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * vLLM's logits processing and sampling written out plainly in Java, one row at a time, in double precision:
 * the yardstick for {@link Sampler} and {@link LogitsProcessor}.
 */
final class ReferenceSampling {
    private ReferenceSampling() {}

    /** bad words, min_tokens, logit bias, then repetition, frequency and presence penalties (vLLM's order). */
    static float[] process(float[] raw, SamplingParams p, int[] prompt, int[] output) {
        float[] l = raw.clone();
        if (output.length < p.minTokens()) {
            if (!p.ignoreEos()) {
                for (int id : p.eosTokenIds()) {
                    l[id] = Float.NEGATIVE_INFINITY;
                }
            }
            for (int id : p.stopTokenIds()) {
                l[id] = Float.NEGATIVE_INFINITY;
            }
        }
        for (int[] word : p.badWords()) {
            int prefix = word.length - 1;
            boolean tail = prefix <= output.length;
            for (int i = 0; tail && i < prefix; i++) {
                tail = output[output.length - prefix + i] == word[i];
            }
            if (tail) {
                l[word[prefix]] = Float.NEGATIVE_INFINITY;
            }
        }
        p.logitBias().forEach((id, bias) -> l[id] += bias);
        Set<Integer> seen = new HashSet<>();
        Map<Integer, Integer> counts = new HashMap<>();
        for (int id : prompt) {
            seen.add(id);
        }
        for (int id : output) {
            seen.add(id);
            counts.merge(id, 1, Integer::sum);
        }
        double r = p.repetitionPenalty();
        for (int id : seen) {
            l[id] = (float) (l[id] > 0 ? l[id] / r : l[id] * r);
        }
        counts.forEach((id, c) -> l[id] -= (float) (p.frequencyPenalty() * c + p.presencePenalty()));
        return l;
    }

    record Draw(int token, double margin) {}

    /**
     * Temperature, then min_p, top-k and top-p, each on the distribution left by the one before (renormalised),
     * then the first token whose cumulative probability exceeds {@code u}, walking by descending probability, or by
     * id when neither top-k nor top-p applies (as the sampler does for a batch without them). {@code margin} is the distance of
     * {@code u} to the nearest CDF step.
     */
    static Draw draw(float[] processed, SamplingParams p, float u) {
        int v = processed.length;
        double[] prob = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        for (float x : processed) {
            max = Math.max(max, x / p.temperature());
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            prob[i] = Math.exp(processed[i] / p.temperature() - max);
            sum += prob[i];
        }
        double top = 0;
        for (int i = 0; i < v; i++) {
            prob[i] /= sum;
            top = Math.max(top, prob[i]);
        }
        for (int i = 0; i < v; i++) {
            if (prob[i] < p.minP() * top) {
                prob[i] = 0;
            }
        }
        int[] order = descending(prob);
        if (p.topK() > 0) {
            for (int j = p.topK(); j < v; j++) {
                prob[order[j]] = 0;
            }
        }
        normalise(prob);
        double before = 0;
        for (int j = 0; j < v; j++) {
            double q = prob[order[j]];
            if (j > 0 && before >= p.topP()) {
                prob[order[j]] = 0;
            }
            before += q;
        }
        normalise(prob);
        if ((p.topK() <= 0 || p.topK() >= v) && p.topP() >= 1) {
            order = IntStream.range(0, v).toArray(); // no rank cut: the sampler walks ids in their natural order
        }
        double cdf = 0;
        double margin = Double.MAX_VALUE;
        int chosen = -1;
        for (int j = 0; j < v; j++) {
            double q = prob[order[j]];
            if (q == 0) {
                continue;
            }
            cdf += q;
            margin = Math.min(margin, Math.abs(cdf - u));
            if (chosen < 0 && cdf > u) {
                chosen = order[j];
            }
        }
        if (chosen < 0) {
            chosen = order[0];
        }
        return new Draw(chosen, margin);
    }

    private static void normalise(double[] prob) {
        double s = Arrays.stream(prob).sum();
        for (int i = 0; i < prob.length; i++) {
            prob[i] /= s;
        }
    }

    static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        double log = Math.log(sum) + max;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - log;
        }
        return out;
    }

    static int[] descending(double[] values) {
        return IntStream.range(0, values.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> values[i]).reversed())
                .mapToInt(Integer::intValue).toArray();
    }

    static int argmax(float[] v) {
        return argmaxExcept(v, -1);
    }

    static int argmaxExcept(float[] v, int except) {
        int best = -1;
        for (int i = 0; i < v.length; i++) {
            if (i != except && (best < 0 || v[i] > v[best])) {
                best = i;
            }
        }
        return best;
    }

    static int argmin(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[best]) {
                best = i;
            }
        }
        return best;
    }
}
