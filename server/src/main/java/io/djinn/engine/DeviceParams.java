package io.djinn.engine;

import static io.djinn.model.Ops.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * Small per-step vectors for the device, packed on the host into one float32 buffer that travels with the step's
 * single host-to-device copy, then sliced there. Integers (row and token ids, counts) come first and are turned into
 * int64 on the device with one conversion; they are exact in float32 below 2^24.
 */
final class DeviceParams {
    private final List<float[]> ints = new ArrayList<>();
    private final List<float[]> floats = new ArrayList<>();
    private int intCount;
    private int floatCount;
    private float[] packed;
    private int[] intOffsets;
    private int[] floatOffsets;

    /** A vector of integers; returns its handle for {@link Device#ints}. */
    int ints(int[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return ints(f);
    }

    int ints(long[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = values[i];
        }
        return ints(f);
    }

    private int ints(float[] exact) {
        ints.add(exact);
        intCount += exact.length;
        packed = null;
        return ints.size() - 1;
    }

    /** A vector of floats; returns its handle for {@link Device#floats}. */
    int floats(float[] values) {
        floats.add(values);
        floatCount += values.length;
        packed = null;
        return floats.size() - 1;
    }

    boolean isEmpty() {
        return intCount + floatCount == 0;
    }

    /** Integers, then floats, one after another. */
    float[] toArray() {
        if (packed == null) {
            packed = new float[intCount + floatCount];
            intOffsets = new int[ints.size()];
            floatOffsets = new int[floats.size()];
            int at = 0;
            for (int i = 0; i < ints.size(); i++) {
                intOffsets[i] = at;
                System.arraycopy(ints.get(i), 0, packed, at, ints.get(i).length);
                at += ints.get(i).length;
            }
            for (int i = 0; i < floats.size(); i++) {
                floatOffsets[i] = at;
                System.arraycopy(floats.get(i), 0, packed, at, floats.get(i).length);
                at += floats.get(i).length;
            }
        }
        return packed;
    }

    /** The device copy of {@link #toArray()}: float32 {@code [size]}. */
    Device on(NDManager manager, NDArray uploaded) {
        toArray();
        return new Device(manager, uploaded);
    }

    /** Slices of the uploaded buffer; the int64 copy of the integer part is made on first use. */
    final class Device {
        private final NDManager manager;
        private final NDArray buffer;
        private NDArray asLongs;

        private Device(NDManager manager, NDArray buffer) {
            this.manager = manager;
            this.buffer = buffer;
        }

        /** int64 [n] */
        NDArray ints(int handle) {
            if (asLongs == null) {
                asLongs = op(op(buffer.get(manager, new NDIndex().addSliceDim(0, intCount))).toType(DataType.INT64,
                        false));
            }
            int at = intOffsets[handle];
            return op(asLongs.get(manager, new NDIndex().addSliceDim(at, at + DeviceParams.this.ints.get(handle)
                    .length)));
        }

        /** float32 [n] */
        NDArray floats(int handle) {
            int at = floatOffsets[handle];
            return op(buffer.get(manager, new NDIndex().addSliceDim(at, at + DeviceParams.this.floats.get(handle)
                    .length)));
        }
    }
}
