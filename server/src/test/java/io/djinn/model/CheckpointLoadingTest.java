package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.djinn.common.DjlEnvironment;
import io.djinn.checkpoint.WeightGenerator;
import io.djinn.model.SafetensorsWriter.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loader errors, checkpoint dtypes and sharding. */
class CheckpointLoadingTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void init() {
        DjlEnvironment.init();
    }

    private static final ModelConfig CONFIG = Fixtures.config(Architecture.QWEN2);

    private Path writeWith(String dirName, List<TensorSpec> tensors) throws IOException {
        Path dir = tmp.resolve(dirName);
        Files.createDirectories(dir);
        CONFIG.write(dir, 1, 2);
        SafetensorsWriter.write(dir, tensors, (spec, first, chunk, count) -> java.util.Arrays.fill(chunk, 0, count,
                0.01f), 0);
        return dir;
    }

    @Test
    void unknownArchitectureNamesConfigFile() throws IOException {
        Path dir = Fixtures.checkpoint(tmp.resolve("arch"), CONFIG, TensorDtype.F32, 0);
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("Qwen2ForCausalLM", "GPT2LMHeadModel"));
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains(cfg.toString()) && e.getMessage().contains("GPT2LMHeadModel"),
                e.getMessage());
    }

    @Test
    void missingTensorNamesFileAndTensor() throws IOException {
        List<TensorSpec> t = new ArrayList<>(WeightGenerator.tensors(CONFIG, TensorDtype.F32));
        String missing = "model.layers.1.self_attn.k_proj.bias";
        assertTrue(t.removeIf(s -> s.name().equals(missing)));
        Path dir = writeWith("missing", t);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString())
                && e.getMessage().contains(missing), e.getMessage());
    }

    @Test
    void wrongShapeNamesFileTensorAndShapes() throws IOException {
        String bad = "model.layers.2.mlp.down_proj.weight";
        List<TensorSpec> t = new ArrayList<>();
        for (TensorSpec s : WeightGenerator.tensors(CONFIG, TensorDtype.F32)) {
            t.add(s.name().equals(bad) ? new TensorSpec(bad, s.dtype(), s.shape()[1], s.shape()[0]) : s);
        }
        Path dir = writeWith("shape", t);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains(dir.resolve("model.safetensors").toString()) && e.getMessage().contains(bad)
                && e.getMessage().contains("[96, 64]") && e.getMessage().contains("[64, 96]"), e.getMessage());
    }

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        Path dir = Fixtures.checkpoint(tmp.resolve("trunc"), CONFIG, TensorDtype.F32, 0);
        Path f = dir.resolve("model.safetensors");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32));
        // the last tensor of a tied Qwen2 checkpoint is the final norm
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("'model.norm.weight'"), e.getMessage());
    }

    @Test
    void unknownDtypeNamesFileAndTensor() throws IOException {
        Path f = tmp.resolve("i8.safetensors");
        byte[] header = "{\"w\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]}}  "
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put((byte) 1).put((byte) 2);
        Files.write(f, b.array());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> SafetensorsReader.openFile(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'w'")
                && e.getMessage().contains("I8"), e.getMessage());
    }

    @Test
    void halfPrecisionCheckpointsHoldTheF32ValuesRounded() throws IOException {
        Path f32 = Fixtures.checkpoint(tmp.resolve("f32"), CONFIG, TensorDtype.F32, 0);
        Path f16 = Fixtures.checkpoint(tmp.resolve("f16"), CONFIG, TensorDtype.F16, 0);
        Path bf16 = Fixtures.checkpoint(tmp.resolve("bf16"), CONFIG, TensorDtype.BF16, 0);
        try (SafetensorsReader a = SafetensorsReader.open(f32); SafetensorsReader h = SafetensorsReader.open(f16);
                SafetensorsReader b = SafetensorsReader.open(bf16)) {
            assertEquals(a.names(), h.names());
            assertEquals(a.names(), b.names());
            for (String n : a.names()) {
                float[] x = a.floats(n);
                float[] y = h.floats(n);
                float[] z = b.floats(n);
                for (int i = 0; i < x.length; i++) {
                    assertTrue(Math.abs(x[i] - y[i]) <= Math.abs(x[i]) * 0x1p-11 + 1e-7, n + "[" + i + "] f16");
                    assertTrue(Math.abs(x[i] - z[i]) <= Math.abs(x[i]) * 0x1p-8, n + "[" + i + "] bf16");
                }
            }
        }
        // and the models built from them agree within the precision of their weights
        float[] ref = lastLogits(f32);
        for (Path p : List.of(f16, bf16)) {
            float[] got = lastLogits(p);
            double worst = 0;
            double spread = 0;
            for (int i = 0; i < ref.length; i++) {
                worst = Math.max(worst, Math.abs(ref[i] - got[i]));
                spread = Math.max(spread, Math.abs(ref[i]));
            }
            System.out.printf("%s vs f32 checkpoint: max |diff| %.3g (max |logit| %.3g)%n", p.getFileName(), worst,
                    spread);
            assertTrue(worst < 0.05 * spread, p + ": " + worst);
        }
    }

    @Test
    void shardedCheckpointLoadsAndMatchesSingleFile() throws IOException {
        Path single = Fixtures.checkpoint(tmp.resolve("single"), CONFIG, TensorDtype.F32, 0);
        Path sharded = Fixtures.checkpoint(tmp.resolve("sharded"), CONFIG, TensorDtype.F32, 40_000);
        long shards;
        try (var files = Files.list(sharded)) {
            shards = files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors"))
                    .count();
        }
        assertTrue(shards > 3, "shards: " + shards);
        assertTrue(Files.exists(sharded.resolve(SafetensorsReader.INDEX_FILE)));
        float[] a = lastLogits(single);
        float[] b = lastLogits(sharded);
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-6);
        }
    }

    @Test
    void shardMissingFromIndexIsNamed() throws IOException {
        Path sharded = Fixtures.checkpoint(tmp.resolve("sharded2"), CONFIG, TensorDtype.F32, 40_000);
        Path gone = sharded.resolve("model-00002-of-" + String.format("%05d", countShards(sharded)) + ".safetensors");
        Files.delete(gone);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LlamaModel.load(sharded, Device.cpu(), DataType.FLOAT32));
        assertTrue(e.getMessage().contains(gone.toString()), e.getMessage());
    }

    private static long countShards(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("model-")).count();
        }
    }

    private static float[] lastLogits(Path dir) {
        try (LlamaModel m = LlamaModel.load(dir, Device.cpu(), DataType.FLOAT32);
                NDManager scope = NDManager.newBaseManager();
                KvCache cache = m.allocateCache(1, 16)) {
            return m.forward(scope, cache, new int[] {0}, new int[][] {Fixtures.prompt(9, 96, 5)}, new int[] {0},
                    false).toFloatArray();
        }
    }
}
