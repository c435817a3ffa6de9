package io.djinn.engine;

/**
 * KV-cache slot allocation with prefix reuse. Each slot remembers which tokens its keys and values were computed
 * for, also after its sequence leaves, so a new sequence can take over the free slot whose content shares the
 * longest prefix with its context, or copy that prefix from any other slot (running or free) in one tensor copy
 * per layer. Used only by the engine thread.
 */
final class PrefixCache {
    /** Copying is only worth a copy per layer when it saves at least this many tokens over the best free slot. */
    static final int MIN_COPY_GAIN = 16;
    /**
     * Prefixes are reused in whole blocks of this many tokens, as vLLM's prefix cache does, so that chance
     * matches of a few template tokens are not reported as cache hits.
     */
    static final int BLOCK = 16;

    private final int[][] content;
    private final int[] length;
    private final Sequence[] owner;
    private final long[] releasedAt;
    private long clock;
    private int used;

    /** Where a sequence goes: its slot, the prefix already there, and the slot to copy it from (-1: none). */
    record Lease(int slot, int reused, int copyFrom) {}

    PrefixCache(int slots, int maxContext) {
        content = new int[slots][maxContext];
        length = new int[slots];
        owner = new Sequence[slots];
        releasedAt = new long[slots];
    }

    int slots() {
        return owner.length;
    }

    int used() {
        return used;
    }

    boolean hasFree() {
        return used < owner.length;
    }

    /**
     * Picks a free slot for {@code s} (one must exist). Among free slots the longest common prefix wins, ties go to
     * the slot freed longest ago so that recent prefixes survive longer.
     */
    Lease acquire(Sequence s) {
        int limit = s.reusableLimit() / BLOCK * BLOCK;
        int bestFree = -1;
        int bestFreeLen = -1;
        int bestAny = -1;
        int bestAnyLen = 0;
        for (int slot = 0; slot < owner.length; slot++) {
            int common = commonPrefix(slot, s, limit) / BLOCK * BLOCK;
            if (owner[slot] == null) {
                if (common > bestFreeLen || (common == bestFreeLen && releasedAt[slot] < releasedAt[bestFree])) {
                    bestFree = slot;
                    bestFreeLen = common;
                }
            }
            if (common > bestAnyLen) {
                bestAny = slot;
                bestAnyLen = common;
            }
        }
        if (bestFree < 0) {
            throw new IllegalStateException("no free slot");
        }
        int source = -1;
        int reused = bestFreeLen;
        if (bestAny >= 0 && bestAny != bestFree && bestAnyLen >= bestFreeLen + MIN_COPY_GAIN) {
            source = bestAny;
            reused = bestAnyLen;
        } else if (bestFreeLen > 0 && length[bestFree] >= bestFreeLen + MIN_COPY_GAIN) {
            // taking this slot would overwrite a diverging suffix (another conversation's later turns): copy the
            // shared prefix into the stalest other free slot instead, and both stay reusable
            int spare = stalestFreeExcept(bestFree);
            if (spare >= 0) {
                source = bestFree;
                bestFree = spare;
            }
        }
        owner[bestFree] = s;
        used++;
        if (source >= 0) {
            System.arraycopy(content[source], 0, content[bestFree], 0, reused);
        }
        length[bestFree] = reused;
        return new Lease(bestFree, reused, source);
    }

    private int stalestFreeExcept(int except) {
        int best = -1;
        for (int slot = 0; slot < owner.length; slot++) {
            if (slot != except && owner[slot] == null
                    && (best < 0 || releasedAt[slot] < releasedAt[best]
                            || (releasedAt[slot] == releasedAt[best] && length[slot] < length[best]))) {
                best = slot;
            }
        }
        return best;
    }

    /** Records that {@code tokens} were written at positions {@code start..} of {@code slot}. */
    void written(int slot, int start, int[] tokens) {
        System.arraycopy(tokens, 0, content[slot], start, tokens.length);
        length[slot] = start + tokens.length;
    }

    /** The sequence left its slot; the content stays reusable. */
    void release(int slot) {
        if (owner[slot] != null) {
            owner[slot] = null;
            used--;
            releasedAt[slot] = ++clock;
        }
    }

    /** The slot's content is unknown (a failed step): never reuse it. */
    void forget(int slot) {
        length[slot] = 0;
    }

    private int commonPrefix(int slot, Sequence s, int limit) {
        int n = Math.min(length[slot], limit);
        int[] c = content[slot];
        int i = 0;
        while (i < n && c[i] == s.tokenAt(i)) {
            i++;
        }
        return i;
    }
}
