package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.djinn.common.DjlEnvironment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bulk bfloat16 widening the loader uses, bit for bit against the per-element definition. */
class Bf16WideningTest {
    @TempDir
    Path tmp;

    @Test
    void everyBfloat16BitPatternWidensExactly() {
        // all 65536 patterns (zeros, subnormals, infinities, NaNs, both signs), more than one chunk's worth
        int n = 1 << 16;
        ByteBuffer in = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            in.putShort(i * 2, (short) i);
        }
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        SafetensorsReader.widenBf16(in, out);
        for (int i = 0; i < n; i++) {
            int bits = out.getInt(i * 4);
            assertEquals(i << 16, bits, "pattern " + Integer.toHexString(i));
            assertEquals(Float.floatToRawIntBits(TensorDtype.bf16ToFloat((short) i)), bits);
        }
    }

    @Test
    void unevenLengthsAcrossChunkBoundariesAndOffsetBuffers() {
        SplittableRandom r = new SplittableRandom(7);
        for (int n : new int[] {0, 1, 16_383, 16_384, 16_385, 50_001}) {
            ByteBuffer backing = ByteBuffer.allocate(n * 2 + 6).order(ByteOrder.LITTLE_ENDIAN);
            short[] values = new short[n];
            for (int i = 0; i < n; i++) {
                values[i] = (short) r.nextInt();
                backing.putShort(6 + i * 2, values[i]);
            }
            ByteBuffer in = backing.position(6).slice().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
            SafetensorsReader.widenBf16(in, out);
            for (int i = 0; i < n; i++) {
                assertEquals(TensorDtype.bf16ToFloat(values[i]), out.getFloat(i * 4), 0f, n + ": element " + i);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsReader.widenBf16(ByteBuffer.allocate(8), ByteBuffer.allocateDirect(12)));
    }

    @Test
    void loadableBf16TensorsMatchTheirFloats() throws IOException {
        DjlEnvironment.init();
        // a sharded bf16 checkpoint, read the way the loader reads it (through the prefetching helper)
        Path dir = Fixtures.checkpoint(tmp.resolve("bf16"), Fixtures.config(Architecture.LLAMA), TensorDtype.BF16,
                40_000);
        try (SafetensorsReader reader = SafetensorsReader.open(dir);
                TensorPrefetch prefetch = new TensorPrefetch(reader)) {
            prefetch.prefetch("model.layers.0.");
            int checked = 0;
            for (String name : reader.names()) {
                assertEquals(TensorDtype.F32, reader.loadableDtype(name));
                float[] expected = reader.floats(name);
                ByteBuffer got = prefetch.loadable(name).order(ByteOrder.nativeOrder());
                assertEquals(expected.length * 4, got.remaining(), name);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], got.getFloat(i * 4), 0f, name + "[" + i + "]");
                }
                checked++;
            }
            assertEquals(reader.names().size(), checked);
        }
    }
}
