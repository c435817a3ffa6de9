package io.djinn.model;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prepares the checkpoint tensors of the next layer on a helper thread while the loader folds the current one on
 * the device: float32 and float16 mappings are paged in ({@link MappedByteBuffer#load}, reading the file at disk
 * speed instead of page-faulting inside tensor operations), bfloat16 is widened. Lookahead is one layer, so the
 * memory held ahead is one layer's tensors.
 */
final class TensorPrefetch implements AutoCloseable {
    private final SafetensorsReader reader;
    private final ExecutorService helper = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().name("djinn-weights-prefetch").daemon().unstarted(r));
    private final Map<String, Future<ByteBuffer>> pending = new ConcurrentHashMap<>();

    TensorPrefetch(SafetensorsReader reader) {
        this.reader = reader;
    }

    /** Starts preparing every tensor whose name starts with {@code prefix} (e.g. {@code model.layers.3.}). */
    void prefetch(String prefix) {
        for (String name : reader.names()) {
            if (name.startsWith(prefix)) {
                pending.computeIfAbsent(name, n -> helper.submit(() -> prepare(n)));
            }
        }
    }

    /** {@link SafetensorsReader#loadable}: the prepared buffer when one was prefetched, else prepared here. */
    ByteBuffer loadable(String name) {
        Future<ByteBuffer> f = pending.remove(name);
        if (f == null) {
            return reader.loadable(name);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while loading tensor '" + name + "'", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new ModelLoadException("cannot load tensor '" + name + "': " + e.getCause(), e.getCause());
        }
    }

    private ByteBuffer prepare(String name) {
        ByteBuffer b = reader.loadable(name);
        if (b instanceof MappedByteBuffer m) {
            m.load();
        }
        return b;
    }

    @Override
    public void close() {
        helper.shutdownNow();
        pending.values().forEach(f -> f.cancel(true));
        pending.clear();
    }
}
