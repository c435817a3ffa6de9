package io.djinn.model;

/**
 * Key/value memory for a fixed number of sequence slots, allocated once and written in place by
 * {@link CausalLM#forward}. The engine decides which sequence owns which slot; the cache itself only
 * knows its capacity.
 */
public interface KvCache extends AutoCloseable {
    int slots();

    int maxContext();

    /**
     * Copies the keys and values of positions {@code [0, tokens)} from slot {@code from} to slot {@code to}
     * (one tensor copy per layer), so a sequence sharing that prefix skips its prefill.
     */
    void copyPrefix(int from, int to, int tokens);

    /** Bytes of device memory the cache holds. */
    long bytes();

    @Override
    void close();
}
