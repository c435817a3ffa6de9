package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Counts the tensor calls the model and the sampler make. On a GPU every call into DJL costs a few microseconds of
 * host time (JNI, dispatch, a kernel launch) whatever the tensor sizes, so a step's host cost is its number of calls;
 * the decode step is designed to make a fixed number of them, independent of its rows. Every DJL call of the step's
 * code goes through {@link #op}, every host-to-device copy through {@link #upload} and every device-to-host copy
 * through one of the {@code download} methods, so the counts are measured, not declared. Counting is per thread
 * (the engine thread owns the model) and costs a thread-local increment.
 */
public final class Ops {

    /** Calls, uploads and downloads of one thread so far. */
    public record Counts(long calls, long uploads, long downloads) {
        public Counts minus(Counts earlier) {
            return new Counts(calls - earlier.calls, uploads - earlier.uploads, downloads - earlier.downloads);
        }
    }

    private static final ThreadLocal<long[]> COUNTS = ThreadLocal.withInitial(() -> new long[3]);

    private Ops() {}

    /** Marks one tensor call (an op, a view, an in-place write) and passes its result through. */
    public static <T> T op(T result) {
        COUNTS.get()[0]++;
        return result;
    }

    /** Marks one in-place tensor call, which has no result to pass through. */
    public static void op() {
        COUNTS.get()[0]++;
    }

    /** One host-to-device copy: float32 {@code [values.length]} on the manager's device. */
    public static NDArray upload(NDManager manager, float[] values) {
        long[] c = COUNTS.get();
        c[0]++;
        c[1]++;
        return manager.create(values, new Shape(values.length));
    }

    /** One device-to-host copy of a float32 tensor. */
    public static float[] downloadFloats(NDArray a) {
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("download float32 only, not " + a.getDataType());
        }
        long[] c = COUNTS.get();
        c[0]++;
        c[2]++;
        return a.toFloatArray();
    }

    /** One device-to-host copy of an int64 tensor. */
    public static long[] downloadLongs(NDArray a) {
        long[] c = COUNTS.get();
        c[0]++;
        c[2]++;
        return a.toLongArray();
    }

    /** The calling thread's counts so far. */
    public static Counts counts() {
        long[] c = COUNTS.get();
        return new Counts(c[0], c[1], c[2]);
    }
}
