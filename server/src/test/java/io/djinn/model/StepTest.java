package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import org.junit.jupiter.api.Test;

/**
 * How a step's rows are laid out for attention: which decode rows attend as one run, when holes between their
 * slots are worth attending over, and when separate runs are cheaper. (That either layout gives every row the
 * reference model's logits is {@link LlamaModelParityTest}'s job.)
 */
class StepTest {

    private static Step step(NDManager m, int[] slots, int[] starts, int longest) {
        RotaryEmbedding rope = new RotaryEmbedding(Fixtures.config(Architecture.LLAMA), DataType.FLOAT32);
        rope.ensure(m, 4096);
        int[][] tokens = new int[slots.length][];
        for (int i = 0; i < slots.length; i++) {
            tokens[i] = new int[i == slots.length - 1 ? longest : 1];
        }
        return new Step(m, rope, 0, slots, tokens, starts, false);
    }

    @Test
    void decodeRowsWithFewHolesAttendAsOneRunOverTheirSlotRange() {
        DjlEnvironment.init();
        try (NDManager m = NDManager.newBaseManager()) {
            // decode-only step, slots 0 2 3 5 (two holes, three runs), short contexts
            Step s = step(m, new int[] {0, 2, 3, 5}, new int[] {10, 20, 30, 40}, 1);
            assertTrue(s.packed(), "a decode-only step is packed: one segment");
            assertEquals(1, s.segments.length);
            Step.Segment g = s.segments[0];
            assertNotNull(g.spread(), "holes worth 2 x 41 positions cost less than two extra runs");
            assertEquals(1, g.runs().length);
            assertEquals(6, g.runs()[0].rows(), "slots 0..5");
            assertArrayEquals(new long[] {0, 2, 3, 5}, ((ai.djl.ndarray.index.dim.NDIndexTake) g.gather().get(0)).getIndex().toLongArray(),
                    "each row's output is taken back from its slot's place");
            assertEquals(6, g.mask().getShape().get(0));
            float[] mask = g.mask().toFloatArray();
            int span = g.span();
            assertEquals(41, span);
            assertEquals(0f, mask[1 * span], "a hole attends to position 0 only");
            assertEquals(Float.NEGATIVE_INFINITY, mask[1 * span + 1]);
            assertEquals(0f, mask[2 * span + 20], "slot 2's row sees its own position");
            assertEquals(Float.NEGATIVE_INFINITY, mask[2 * span + 21]);
        }
    }

    @Test
    void holesOverLongContextsKeepSeparateRuns() {
        DjlEnvironment.init();
        try (NDManager m = NDManager.newBaseManager()) {
            // a prompt chunk after them; the decode rows' contexts are long, so reading the holes would cost more
            Step s = step(m, new int[] {0, 9, 3}, new int[] {2000, 2100, 0}, 16);
            Step.Segment decode = s.segments[0];
            assertEquals(2, decode.rows());
            assertNull(decode.spread());
            assertEquals(2, decode.runs().length);
            assertEquals(16, s.segments[1].tokens(), "the chunk attends on its own");
        }
    }

    /**
     * A decode step makes the same tensor calls for 1 row as for 16 (consecutive slots, or scattered ones read by a
     * gather), at most 25 per layer, with one host-to-device copy; the greedy sampler adds an argmax and the one
     * device-to-host copy.
     */
    @Test
    void decodeStepCallsDoNotGrowWithRows(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        DjlEnvironment.init();
        ModelConfig c = Fixtures.config(Architecture.LLAMA);
        java.nio.file.Path dir = Fixtures.checkpoint(tmp.resolve("m"), c, TensorDtype.F32, 0);
        try (LlamaModel model = LlamaModel.load(dir, ai.djl.Device.cpu(), DataType.FLOAT32);
                KvCache cache = model.allocateCache(64, 64);
                NDManager root = NDManager.newBaseManager()) {
            long[] one = decodeStep(model, cache, root, new int[] {0});
            int[] consecutive = new int[16];
            int[] scattered = new int[16];
            int[] holes = new int[16];
            for (int i = 0; i < 16; i++) {
                consecutive[i] = i;
                scattered[i] = 63 - 4 * i;     // a range 4x their number: one gather of their slots
                holes[i] = 2 * i;              // a range under 2x: one slice over the range, holes included
            }
            long[] many = decodeStep(model, cache, root, consecutive);
            long[] gathered = decodeStep(model, cache, root, scattered);
            long[] spread = decodeStep(model, cache, root, holes);
            System.out.printf("decode step calls (total, layers, uploads, downloads): 1 row %s, 16 rows %s, "
                    + "16 scattered rows %s%n", java.util.Arrays.toString(one), java.util.Arrays.toString(many),
                    java.util.Arrays.toString(gathered));
            assertEquals(one[0], many[0], "the same calls for 1 and 16 rows");
            assertEquals(one[1], gathered[1], "a gather of scattered slots costs no call more per layer");
            assertEquals(one[1] + 2L * c.numHiddenLayers(), spread[1], "a slice over holes: two calls more a layer");
            assertTrue(one[1] <= 25L * c.numHiddenLayers(), one[1] + " calls in " + c.numHiddenLayers() + " layers");
            assertEquals(1, one[2], "one upload");
            assertEquals(1, one[3], "one download");
            assertEquals(1, gathered[2]);
            assertEquals(1, gathered[3]);
        }
    }

    /** calls, calls in the layers, uploads, downloads of one greedy decode step of rows in the given slots. */
    private static long[] decodeStep(LlamaModel model, KvCache cache, NDManager root, int[] slots) {
        int n = slots.length;
        int[][] tokens = new int[n][];
        int[] starts = new int[n];
        int[] rows = new int[n];
        java.util.List<io.djinn.engine.Sampler.Row> sampling = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens[i] = new int[] {3 + i};
            starts[i] = 5;
            rows[i] = i;
            sampling.add(new io.djinn.engine.Sampler.Row(
                    io.djinn.engine.SamplingParams.builder().temperature(0).build(), new int[0], new int[0], 0));
        }
        io.djinn.engine.Sampler sampler = new io.djinn.engine.Sampler();
        io.djinn.engine.Sampler.Prepared p = sampler.prepare(sampling, new float[n], model.config().vocabSize());
        Ops.Counts before = Ops.counts();
        try (NDManager scope = root.newSubManager()) {
            float[] params = p.deviceParams();
            CausalLM.StepOutput out = model.step(scope, cache, slots, tokens, starts, rows,
                    params.length == 0 ? null : params);
            int[] next = sampler.sample(scope, out.logits(), p, out.extra()).tokens();
            assertEquals(n, next.length);
        }
        Ops.Counts d = Ops.counts().minus(before);
        return new long[] {d.calls(), model.lastStepLayerCalls(), d.uploads(), d.downloads()};
    }
}
