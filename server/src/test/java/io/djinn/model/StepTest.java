package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.DjlEnvironment;
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
}
