package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Folded weights written once and read by later loads: the same model, checked against the reference. */
class PreparedWeightsTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        DjlEnvironment.init();
    }

    static float[] logits(LlamaModel model, int[] prompt) {
        try (NDManager scope = NDManager.newBaseManager(); KvCache cache = model.allocateCache(1, 64)) {
            return model.forward(scope, cache, new int[] {0}, new int[][] {prompt}, new int[] {0}, true)
                    .toFloatArray();
        }
    }

    /** Every architecture's distinct tensors (untied head, q/k/v bias with a tied head, q/k norm) round-trip. */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void preparedWeightsGiveTheFoldedModelAndMatchTheReference(Architecture a) throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve("ckpt"), Fixtures.config(a), TensorDtype.F32, 0);
        PreparedWeights prepared = PreparedWeights.of(tmp.resolve("prepared"), dir, DataType.FLOAT32);
        assertFalse(prepared.exists());
        int[] prompt = Fixtures.prompt(12, Fixtures.config(a).vocabSize(), 3);
        float[] folded;
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertFalse(model.fromPreparedWeights());
            folded = logits(model, prompt);
            assertTrue(model.writePrepared());
            assertFalse(model.writePrepared(), "written once");
        }
        assertTrue(prepared.exists());
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertTrue(model.fromPreparedWeights());
            assertArrayEquals(folded, logits(model, prompt), "the same weights, bit for bit");
            assertFalse(model.writePrepared(), "nothing to write when read from the file");
            LlamaModelParityTest.prefillAndDecode(model, new ReferenceLlama(dir), LlamaModelParityTest.TOL,
                    a + " prepared weights");
        }
        // as a server starts: the file read on a thread of its own before libtorch loads, the tensors made after
        prepared.stageInBackground();
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertTrue(model.fromPreparedWeights());
            assertArrayEquals(folded, logits(model, prompt), "staged ahead: the same weights, bit for bit");
        }
    }

    /** Bytes staged for a load that never takes them are freed, and a later load reads the file again. */
    @Test
    void stagedWeightsNotTakenAreDiscarded() throws Exception {
        ModelConfig c = Fixtures.config(Architecture.LLAMA);
        Path dir = Fixtures.checkpoint(tmp.resolve("ckpt"), c, TensorDtype.F32, 0);
        PreparedWeights prepared = PreparedWeights.of(tmp.resolve("prepared"), dir, DataType.FLOAT32);
        int[] prompt = Fixtures.prompt(8, c.vocabSize(), 5);
        float[] folded;
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            folded = logits(model, prompt);
            assertTrue(model.writePrepared());
        }
        prepared.stageInBackground();
        prepared.discardStaged();
        prepared.discardStaged(); // idempotent
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertTrue(model.fromPreparedWeights());
            assertArrayEquals(folded, logits(model, prompt));
        }
    }

    @Test
    void aChangedCheckpointGetsNewWeightsAndTheOldFileGoes() throws Exception {
        ModelConfig c = Fixtures.config(Architecture.LLAMA);
        Path dir = Fixtures.checkpoint(tmp.resolve("ckpt"), c, TensorDtype.F32, 0);
        Path root = tmp.resolve("prepared");
        PreparedWeights first = PreparedWeights.of(root, dir, DataType.FLOAT32);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, first)) {
            assertTrue(model.writePrepared());
        }
        assertNotEquals(first.file(), PreparedWeights.of(root, dir, DataType.FLOAT16).file(), "the dtype is keyed");
        // new weights in the same folder (a re-download): a new modification time
        Fixtures.checkpoint(dir, c, TensorDtype.F32, 0);
        Path weights = dir.resolve(SafetensorsReader.SINGLE_FILE);
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5000));
        PreparedWeights second = PreparedWeights.of(root, dir, DataType.FLOAT32);
        assertNotEquals(first.file(), second.file());
        assertEquals(first.file().getParent(), second.file().getParent(), "one folder per checkpoint folder");
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, second)) {
            assertFalse(model.fromPreparedWeights());
            assertTrue(model.writePrepared());
        }
        try (Stream<Path> files = Files.list(second.file().getParent())) {
            assertEquals(List.of(second.file()), files.toList());
        }
    }

    @Test
    void anUnusableFileIsDeletedAndTheCheckpointFolded() throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve("ckpt"), Fixtures.config(Architecture.QWEN3), TensorDtype.F32, 0);
        PreparedWeights prepared = PreparedWeights.of(tmp.resolve("prepared"), dir, DataType.FLOAT32);
        Files.createDirectories(prepared.file().getParent());
        // a file from another model under this key: a valid header, the wrong tensors
        Path other = Fixtures.checkpoint(tmp.resolve("other"), Fixtures.config(Architecture.LLAMA), TensorDtype.F32,
                0);
        Files.copy(other.resolve(SafetensorsReader.SINGLE_FILE), prepared.file());
        int[] prompt = Fixtures.prompt(5, 96, 1);
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertFalse(model.fromPreparedWeights());
            assertFalse(prepared.exists(), "deleted");
            assertEquals(5 * 96, logits(model, prompt).length);
        }
        Files.write(prepared.file(), new byte[] {1, 2, 3}); // truncated
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertFalse(model.fromPreparedWeights());
            assertTrue(model.writePrepared());
        }
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared)) {
            assertTrue(model.fromPreparedWeights());
        }
    }

    @Test
    void aClosedModelWritesNothing() throws Exception {
        Path dir = Fixtures.checkpoint(tmp.resolve("ckpt"), Fixtures.config(Architecture.MISTRAL), TensorDtype.F32, 0);
        PreparedWeights prepared = PreparedWeights.of(tmp.resolve("prepared"), dir, DataType.FLOAT32);
        LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32, prepared);
        model.close();
        assertFalse(model.writePrepared());
        assertFalse(Files.exists(prepared.file().getParent()));
        // closed while writing: the guard refuses the third read (the shapes, one tensor, then closed)
        try (LlamaModel open = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32)) {
            java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
            assertFalse(prepared.write(open.foldedWeights().named(), DataType.FLOAT32, read -> {
                if (reads.incrementAndGet() > 2) {
                    return false;
                }
                read.run();
                return true;
            }));
            assertEquals(3, reads.get());
        }
        assertFalse(prepared.exists());
        try (Stream<Path> files = Files.list(prepared.file().getParent())) {
            assertEquals(0, files.count(), "no temporary left");
        }
    }

    @Test
    void float16RuntimeRoundTripsAndBfloat16IsNotPrepared() throws IOException {
        Path dir = Fixtures.checkpoint(tmp.resolve("ckpt"), Fixtures.config(Architecture.QWEN2), TensorDtype.F16, 0);
        PreparedWeights prepared = PreparedWeights.of(tmp.resolve("prepared"), dir, DataType.FLOAT16);
        int[] prompt = Fixtures.prompt(7, 96, 2);
        float[] folded;
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT16, prepared)) {
            folded = logits(model, prompt);
            assertTrue(model.writePrepared());
        }
        try (LlamaModel model = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT16, prepared)) {
            assertTrue(model.fromPreparedWeights());
            assertArrayEquals(folded, logits(model, prompt));
        }
        assertFalse(PreparedWeights.supports(DataType.BFLOAT16));
    }
}
