package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Djinn's DJL model against the plain-Java {@link ReferenceLlama}, for every architecture. */
class LlamaModelParityTest {
    static final double TOL = 1e-3;
    /**
     * bfloat16 against float32 logits, relative to the largest float32 logit (see
     * {@link #bfloat16RuntimeIsCloseToFloat32OrRefused}): 2%, five times bfloat16's rounding step of 2^-8.
     */
    static final double BF16_TOL = 0.02;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void init() {
        DjlEnvironment.init();
    }

    static double maxDiff(float[] a, int aOff, float[] b, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs(a[aOff + i] - b[i]));
        }
        return m;
    }

    /** Prefill at every position, then 16 greedy decode steps through the cache. */
    static double prefillAndDecode(LlamaModel model, ReferenceLlama ref, double tol, String label) {
        int v = model.config().vocabSize();
        int[] prompt = Fixtures.prompt(11, v, 7);
        ReferenceLlama.Session rs = ref.new Session();
        double worst = 0;
        try (NDManager scope = NDManager.newBaseManager(); KvCache cache = model.allocateCache(2, 64)) {
            float[] all = model.forward(scope, cache, new int[] {1}, new int[][] {prompt}, new int[] {0}, true)
                    .toFloatArray();
            assertEquals(prompt.length * v, all.length);
            for (int i = 0; i < prompt.length; i++) {
                float[] r = rs.step(prompt[i]);
                worst = Math.max(worst, maxDiff(all, i * v, r, v));
            }
            int next = Fixtures.argmax(all, (prompt.length - 1) * v, v);
            for (int step = 0; step < 16; step++) {
                int pos = prompt.length + step;
                float[] r = rs.step(next);
                float[] d = model.forward(scope, cache, new int[] {1}, new int[][] {{next}}, new int[] {pos}, false)
                        .toFloatArray();
                worst = Math.max(worst, maxDiff(d, 0, r, v));
                int dn = Fixtures.argmax(d, 0, v);
                assertEquals(Fixtures.argmax(r, 0, v), dn, label + ": greedy token differs at decode step " + step);
                next = dn;
            }
        }
        System.out.printf("%s: max |djinn - reference| = %.3g%n", label, worst);
        assertTrue(worst <= tol, label + ": max abs diff " + worst + " > " + tol);
        return worst;
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void prefillAndDecodeMatchReference(Architecture a) throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve(a.name() + "-f32"), Fixtures.config(a), TensorDtype.F32, 0);
        ReferenceLlama ref = new ReferenceLlama(dir);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32)) {
            prefillAndDecode(model, ref, TOL, a + " f32");
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void bf16CheckpointMatchesReferenceOnSameWeights(Architecture a) throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve(a.name() + "-bf16"), Fixtures.config(a), TensorDtype.BF16, 0);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32)) {
            prefillAndDecode(model, new ReferenceLlama(dir), TOL, a + " bf16 checkpoint");
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void float16RuntimeIsCloseToReference(Architecture a) throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve(a.name() + "-fp16rt"), Fixtures.config(a), TensorDtype.F16, 0);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT16)) {
            prefillAndDecode(model, new ReferenceLlama(dir), 0.1, a + " float16 runtime");
        }
    }

    /**
     * bfloat16 at run time against float32 on the same checkpoint: the logits of a prompt (every position) and of
     * 16 greedy decode steps fed the float32 run's tokens stay within {@link #BF16_TOL} of the largest logit
     * (bfloat16 keeps 8 bits of mantissa: about 0.4% per rounding, a few roundings per layer; measured 0.7-1.3%). Where the loaded JNI cannot hold bfloat16
     * (DJL's own), loading must refuse it with a message instead of ending the process.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void bfloat16RuntimeIsCloseToFloat32OrRefused(Architecture a) throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve(a.name() + "-bf16rt"), Fixtures.config(a), TensorDtype.BF16, 0);
        try (LlamaModel f32 = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32)) {
            if (!Bfloat16Support.available()) {
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalArgumentException.class, () -> LlamaModel.load(dir, Device.cpu(), DataType.BFLOAT16));
                assertTrue(e.getMessage().contains("build-djl-jni.sh"), e.getMessage());
                System.out.printf("%s bfloat16: refused by this JNI (%s)%n", a, e.getMessage());
                return;
            }
            try (LlamaModel bf16 = LlamaModel.load(dir, Device.cpu(), DataType.BFLOAT16);
                    NDManager scope = NDManager.newBaseManager();
                    KvCache c32 = f32.allocateCache(1, 64);
                    KvCache c16 = bf16.allocateCache(1, 64)) {
                assertEquals(DataType.BFLOAT16, bf16.dtype());
                int v = f32.config().vocabSize();
                int[] prompt = Fixtures.prompt(11, v, 7);
                float[] want = f32.forward(scope, c32, new int[] {0}, new int[][] {prompt}, new int[] {0}, true)
                        .toFloatArray();
                float[] got = bf16.forward(scope, c16, new int[] {0}, new int[][] {prompt}, new int[] {0}, true)
                        .toFloatArray();
                double worst = maxDiff(got, 0, want, want.length);
                double scale = 0;
                for (float x : want) {
                    scale = Math.max(scale, Math.abs(x));
                }
                int next = Fixtures.argmax(want, (prompt.length - 1) * v, v);
                for (int step = 0; step < 16; step++) {
                    int[][] feed = {{next}};
                    int[] pos = {prompt.length + step};
                    float[] w = f32.forward(scope, c32, new int[] {0}, feed, pos, false).toFloatArray();
                    float[] g = bf16.forward(scope, c16, new int[] {0}, feed, pos, false).toFloatArray();
                    worst = Math.max(worst, maxDiff(g, 0, w, v));
                    next = Fixtures.argmax(w, 0, v);
                }
                System.out.printf("%s bfloat16 runtime: max |bf16 - f32| = %.3g (logits up to %.3g)%n", a, worst,
                        scale);
                assertTrue(worst <= BF16_TOL * scale, a + ": max abs diff " + worst + " > " + BF16_TOL + " x " + scale);
            }
        }
    }

    /**
     * Rows of different lengths and start positions in one call (a fresh prefill, a decode, a prefill chunk that
     * continues a sequence; slots out of order) give each row the logits it gets alone.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void batchedRowsMatchRowsAlone(Architecture a) throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve(a.name() + "-batch"), Fixtures.config(a), TensorDtype.F32, 0);
        ReferenceLlama ref = new ReferenceLlama(dir);
        int v = Fixtures.config(a).vocabSize();
        int[][] seqs = {Fixtures.prompt(12, v, 1), Fixtures.prompt(10, v, 2), Fixtures.prompt(5, v, 3)};
        // sequence i lives in slot i; the first call prefills seqs 0 and 1 partly (ragged rows, consecutive slots)
        double worst = 0;
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager scope = NDManager.newBaseManager();
                KvCache cache = model.allocateCache(3, 32);
                KvCache alone = model.allocateCache(1, 32)) {
            List<float[]>[] refLogits = referenceLogits(ref, seqs);
            model.forward(scope, cache, new int[] {0, 1}, new int[][] {slice(seqs[0], 0, 7), slice(seqs[1], 0, 4)},
                    new int[] {0, 0}, true);
            // mixed call: seq 2 fresh (len 5 at 0), seq 0 decode (len 1 at 7), seq 1 chunk (len 3 at 4)
            int[] rows = {2, 0, 1};
            int[][] feed = {slice(seqs[2], 0, 5), slice(seqs[0], 7, 8), slice(seqs[1], 4, 7)};
            int[] starts = {0, 7, 4};
            NDArray out = model.forward(scope, cache, new int[] {2, 0, 1}, feed, starts, true);
            int l = (int) out.getShape().get(1);
            float[] o = out.toFloatArray();
            for (int r = 0; r < rows.length; r++) {
                for (int i = 0; i < feed[r].length; i++) {
                    worst = Math.max(worst, maxDiff(o, (r * l + i) * v, refLogits[rows[r]].get(starts[r] + i), v));
                }
            }
            // last-token logits of the same kind of call, against the model run on each sequence alone
            int[][] feed2 = {slice(seqs[0], 8, 12), slice(seqs[1], 7, 8), {seqs[0][0]}};
            int[] starts2 = {8, 7, 5};
            float[] last = model.forward(scope, cache, new int[] {0, 1, 2}, feed2, starts2, false).toFloatArray();
            for (int r = 0; r < 3; r++) {
                int[] whole = concat(slice(seqs[r], 0, starts2[r]), feed2[r]);
                float[] single = model.forward(scope, alone, new int[] {0}, new int[][] {whole}, new int[] {0}, false)
                        .toFloatArray();
                worst = Math.max(worst, maxDiff(last, r * v, single, v));
            }
            // then all three decode together at different positions, slots out of order
            int[] dslots = {1, 2, 0};
            int[][] dfeed = {{3}, {4}, {5}};
            int[] dstarts = {8, 6, 12};
            float[] dec = model.forward(scope, cache, dslots, dfeed, dstarts, false).toFloatArray();
            int[][] histories = {concat(slice(seqs[1], 0, 8), dfeed[0]), concat(concat(slice(seqs[2], 0, 5),
                    new int[] {seqs[0][0]}), dfeed[1]), concat(slice(seqs[0], 0, 12), dfeed[2])};
            for (int r = 0; r < 3; r++) {
                ReferenceLlama.Session s = ref.new Session();
                float[] rl = null;
                for (int t : histories[r]) {
                    rl = s.step(t);
                }
                worst = Math.max(worst, maxDiff(dec, r * v, rl, v));
            }
            // packed call: decode rows split by a two-token chunk, so the decode rows form two segments
            int[] pslots = {2, 1, 0};
            int[][] pfeed = {{6}, {7, 8}, {9}};
            int[] pstarts = {7, 9, 13};
            float[] packed = model.forward(scope, cache, pslots, pfeed, pstarts, false).toFloatArray();
            for (int r = 0; r < 3; r++) {
                int slot = pslots[r];
                int[] history = concat(histories[java.util.List.of(1, 2, 0).indexOf(slot)], pfeed[r]);
                ReferenceLlama.Session s = ref.new Session();
                float[] rl = null;
                for (int t : history) {
                    rl = s.step(t);
                }
                worst = Math.max(worst, maxDiff(packed, r * v, rl, v));
            }
            // decode rows in slots 0 and 2 around a chunk in slot 1: one attention run over slots 0..2, hole included
            int[][] now = {concat(histories[2], pfeed[2]), concat(histories[0], pfeed[1]),
                    concat(histories[1], pfeed[0])};                                  // by slot
            int[] sslots = {0, 2, 1};
            int[][] sfeed = {{10}, {11}, {12, 13}};
            int[] sstarts = {now[0].length, now[2].length, now[1].length};
            float[] spread = model.forward(scope, cache, sslots, sfeed, sstarts, false).toFloatArray();
            for (int r = 0; r < 3; r++) {
                ReferenceLlama.Session s = ref.new Session();
                float[] rl = null;
                for (int t : concat(now[sslots[r]], sfeed[r])) {
                    rl = s.step(t);
                }
                worst = Math.max(worst, maxDiff(spread, r * v, rl, v));
            }
        }
        System.out.printf("%s batched: max |diff| = %.3g%n", a, worst);
        assertTrue(worst <= TOL, a + " batched: max abs diff " + worst);
    }

    @SuppressWarnings("unchecked")
    static List<float[]>[] referenceLogits(ReferenceLlama ref, int[][] seqs) {
        List<float[]>[] out = new List[seqs.length];
        for (int i = 0; i < seqs.length; i++) {
            ReferenceLlama.Session s = ref.new Session();
            out[i] = new ArrayList<>();
            for (int t : seqs[i]) {
                out[i].add(s.step(t));
            }
        }
        return out;
    }

    static int[] slice(int[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
