package io.djinn.model;

/**
 * Key/value memory for a fixed number of sequence slots, allocated once and written in place by
 * {@link CausalLM#forward}. The engine decides which sequence owns which slot; the cache itself only
 * knows its capacity.
 */
public interface KvCache extends AutoCloseable {
    int slots();

    int maxContext();

    /** Bytes of device memory the cache holds. */
    long bytes();

    @Override
    void close();
}
