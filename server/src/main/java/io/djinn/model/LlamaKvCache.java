package io.djinn.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Per layer one key tensor {@code [slots, kvHeads, headDim, maxContext]} (transposed, so that a query's scores are one
 * product with it) and one value tensor {@code [slots, kvHeads, maxContext, headDim]}, written in place. On a CPU the
 * tensors lie over {@link ZeroPages} (no page touched until written), elsewhere they are device zeros.
 */
final class LlamaKvCache implements KvCache {
    private final NDManager manager;
    private final int slots;
    private final int maxContext;
    final NDArray[] keys;
    final NDArray[] values;
    /** The CPU cache's memory, unmapped after its tensors are closed; null when the tensors own theirs. */
    private final ZeroPages memory;
    private boolean closed;

    LlamaKvCache(NDManager parent, ModelConfig c, DataType dtype, int slots, int maxContext) {
        this.manager = parent.newSubManager();
        this.slots = slots;
        this.maxContext = maxContext;
        Shape keyShape = new Shape(slots, c.numKeyValueHeads(), c.headDim(), maxContext);
        Shape valueShape = new Shape(slots, c.numKeyValueHeads(), maxContext, c.headDim());
        keys = new NDArray[c.numHiddenLayers()];
        values = new NDArray[c.numHiddenLayers()];
        long tensorBytes = keyShape.size() * dtype.getNumOfBytes(); // the value tensors' size too
        this.memory = parent.getDevice().isGpu() || tensorBytes > Integer.MAX_VALUE ? null // a buffer's limit
                : ZeroPages.map(2L * keys.length * tensorBytes).orElse(null);
        try {
            for (int l = 0; l < keys.length; l++) {
                keys[l] = tensor(keyShape, dtype, 2L * l * tensorBytes, tensorBytes);
                values[l] = tensor(valueShape, dtype, (2L * l + 1) * tensorBytes, tensorBytes);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private NDArray tensor(Shape shape, DataType dtype, long offset, long bytes) {
        return memory == null ? manager.zeros(shape, dtype) : manager.create(memory.slice(offset, bytes), shape, dtype);
    }

    /** Whether the tensors lie over zero pages mapped for them (rather than owning device zeros). */
    boolean mapped() {
        return memory != null;
    }

    /** Bytes one slot of {@code maxContext} positions takes: keys and values of every layer. */
    static long bytesPerSlot(ModelConfig c, DataType dtype, int maxContext) {
        return 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * maxContext * dtype.getNumOfBytes();
    }

    @Override
    public int slots() {
        return slots;
    }

    @Override
    public int maxContext() {
        return maxContext;
    }

    @Override
    public void copyPrefix(int from, int to, int tokens) {
        if (from == to || tokens <= 0) {
            return;
        }
        if (from < 0 || to < 0 || from >= slots || to >= slots || tokens > maxContext) {
            throw new IllegalArgumentException("cannot copy " + tokens + " positions from slot " + from + " to " + to);
        }
        NDIndex keySrc = new NDIndex().addSliceDim(from, from + 1).addAllDim().addAllDim().addSliceDim(0, tokens);
        NDIndex keyDst = new NDIndex().addSliceDim(to, to + 1).addAllDim().addAllDim().addSliceDim(0, tokens);
        NDIndex src = new NDIndex().addSliceDim(from, from + 1).addAllDim().addSliceDim(0, tokens);
        NDIndex dst = new NDIndex().addSliceDim(to, to + 1).addAllDim().addSliceDim(0, tokens);
        try (NDManager scope = manager.newSubManager()) {
            for (int l = 0; l < keys.length; l++) {
                keys[l].set(keyDst, keys[l].get(scope, keySrc));
                values[l].set(dst, values[l].get(scope, src));
            }
        }
    }

    @Override
    public long bytes() {
        long per = keys[0].getShape().size() * keys[0].getDataType().getNumOfBytes();
        return 2L * keys.length * per;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
            if (memory != null) {
                memory.close();
            }
        }
    }
}
