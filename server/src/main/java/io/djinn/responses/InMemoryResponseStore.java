package io.djinn.responses;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Stored responses of a server without Redis: at most {@code capacity}, the oldest dropped first, each for
 * {@code ttl}. Bounded because every stored response holds its whole conversation.
 */
public final class InMemoryResponseStore implements ResponseStore {

    private record Entry(StoredResponse response, long expiresAtNanos) {}

    private final int capacity;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    public InMemoryResponseStore(int capacity, Duration ttl) {
        this(capacity, ttl, System::nanoTime);
    }

    InMemoryResponseStore(int capacity, Duration ttl, LongSupplier clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("djinn.responses.max-stored must be at least 1");
        }
        this.capacity = capacity;
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
    }

    @Override
    public Uni<Void> save(String id, StoredResponse response) {
        synchronized (entries) {
            entries.remove(id);
            entries.put(id, new Entry(response, clock.getAsLong() + ttlNanos));
            while (entries.size() > capacity) {
                var oldest = entries.entrySet().iterator();
                oldest.next();
                oldest.remove();
            }
        }
        return Uni.createFrom().voidItem();
    }

    @Override
    public Uni<Optional<StoredResponse>> find(String id) {
        synchronized (entries) {
            Entry e = entries.get(id);
            if (e != null && clock.getAsLong() - e.expiresAtNanos() >= 0) {
                entries.remove(id);
                e = null;
            }
            return Uni.createFrom().item(Optional.ofNullable(e).map(Entry::response));
        }
    }

    @Override
    public Uni<Boolean> delete(String id) {
        synchronized (entries) {
            return Uni.createFrom().item(entries.remove(id) != null);
        }
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
