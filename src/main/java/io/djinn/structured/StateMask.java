package io.djinn.structured;

import java.util.Arrays;

/**
 * What one DFA state allows, independently of the stack under it (the adaptive token mask cache of XGrammar):
 * the tokens that a walk from the state alone consumes entirely, each with its minimum completion cost within the
 * walked frames, and the tokens that make the state's frame return mid-token, whose rest depends on the caller and
 * is kept as a small trie of continuations checked at each step against the real stack.
 *
 * <p>Computing it walks the vocabulary trie depth-first, advancing the parser byte by byte and skipping the subtree
 * of every refused prefix. Inside a JSON string nearly every token is accepted, so that walk visits the whole trie
 * (a few milliseconds for 150,000 tokens), but only once per vocabulary: the string rule is shared by all strings
 * of all grammars. Immutable.
 */
final class StateMask {
    private static final int[] NONE = new int[0];

    /** All locally accepted tokens when they are many, else null. */
    final long[] dense;
    /** The cost most dense tokens share. */
    final int denseCost;
    /** Sparse: every accepted token. Dense: those whose cost is not {@link #denseCost}. */
    final int[] ids;
    final int[] costs;
    final int minCost;
    final int maxCost;
    /** Continuations after the frame returns, with the token ids they finish; null if none. */
    final Trie exits;

    private StateMask(long[] dense, int denseCost, int[] ids, int[] costs, int minCost, int maxCost, Trie exits) {
        this.dense = dense;
        this.denseCost = denseCost;
        this.ids = ids;
        this.costs = costs;
        this.minCost = minCost;
        this.maxCost = maxCost;
        this.exits = exits;
    }

    long bytes() {
        return 64 + (dense == null ? 0 : dense.length * 8L) + ids.length * 8L + (exits == null ? 0 : exits.bytes());
    }

    /**
     * Adds the accepted tokens whose local completion cost is at most {@code limit} to {@code out}.
     * {@code scratch} is a bitset-sized buffer the caller owns.
     */
    void apply(long[] out, int limit, long[] scratch) {
        if (limit < minCost) {
            return;
        }
        if (dense != null) {
            if (maxCost <= limit) {
                or(out, dense);
            } else if (denseCost <= limit) {
                System.arraycopy(dense, 0, scratch, 0, dense.length);
                for (int k = 0; k < ids.length; k++) {
                    if (costs[k] > limit) {
                        scratch[ids[k] >>> 6] &= ~(1L << ids[k]);
                    }
                }
                or(out, scratch);
            } else {
                setWhereAtMost(out, limit);
            }
            return;
        }
        if (maxCost <= limit) {
            for (int id : ids) {
                out[id >>> 6] |= 1L << id;
            }
        } else {
            setWhereAtMost(out, limit);
        }
    }

    private void setWhereAtMost(long[] out, int limit) {
        for (int k = 0; k < ids.length; k++) {
            if (costs[k] <= limit) {
                out[ids[k] >>> 6] |= 1L << ids[k];
            }
        }
    }

    private static void or(long[] out, long[] bits) {
        for (int i = 0; i < bits.length; i++) {
            out[i] |= bits[i];
        }
    }

    static StateMask build(TokenVocabulary vocab, RuleDfa dfa, int state) {
        Trie trie = vocab.trie;
        Frontier[] fr = new Frontier[trie.maxDepth + 1];
        fr[0] = new Frontier(new Stack[] {new Stack(dfa, state, null)}, false);
        IntList ids = new IntList(64);
        IntList costs = new IntList(64);
        IntList exitNodes = new IntList();
        int n = trie.size;
        for (int i = 0; i < n; ) {
            int d = trie.depth[i];
            Frontier f = fr[d - 1].step(trie.label[i] & 0xFF);
            if (f == null) {
                i = trie.end[i];
                continue;
            }
            fr[d] = f;
            int a = trie.idStart[i];
            int b = trie.idStart[i + 1];
            if (a < b) {
                int c = f.minCost();
                for (int k = a; k < b; k++) {
                    ids.add(trie.ids[k]);
                    costs.add(c);
                }
            }
            if (f.complete && trie.end[i] > i + 1) {
                exitNodes.add(i);
            }
            i++;
        }
        return of(vocab, ids.toArray(), costs.toArray(), exits(vocab, exitNodes));
    }

    /** The tokens below the exit nodes, minus the bytes before the exit. */
    private static Trie exits(TokenVocabulary vocab, IntList exitNodes) {
        if (exitNodes.isEmpty()) {
            return null;
        }
        Trie trie = vocab.trie;
        int count = 0;
        for (int k = 0; k < exitNodes.size(); k++) {
            int e = exitNodes.get(k);
            count += trie.idStart[trie.end[e]] - trie.idStart[e + 1];
        }
        byte[][] rest = new byte[count][];
        int[] ids = new int[count];
        int n = 0;
        for (int k = 0; k < exitNodes.size(); k++) {
            int e = exitNodes.get(k);
            int depth = trie.depth[e];
            for (int j = trie.idStart[e + 1]; j < trie.idStart[trie.end[e]]; j++) {
                int id = trie.ids[j];
                byte[] b = vocab.bytes[id];
                rest[n] = Arrays.copyOfRange(b, depth, b.length);
                ids[n++] = id;
            }
        }
        return Trie.build(rest, ids, n);
    }

    private static StateMask of(TokenVocabulary vocab, int[] ids, int[] costs, Trie exits) {
        int count = ids.length;
        int min = Compiler.INF;
        int max = -1;
        for (int c : costs) {
            min = Math.min(min, c);
            max = Math.max(max, c);
        }
        if (count < vocab.words) {
            return new StateMask(null, 0, ids, costs, min, max, exits);
        }
        int[] sorted = costs.clone();
        Arrays.sort(sorted);
        int majority = sorted[0];
        int best = 0;
        for (int i = 0; i < count; ) {
            int j = i;
            while (j < count && sorted[j] == sorted[i]) {
                j++;
            }
            if (j - i > best) {
                best = j - i;
                majority = sorted[i];
            }
            i = j;
        }
        long[] dense = new long[vocab.words];
        IntList otherIds = new IntList();
        IntList otherCosts = new IntList();
        for (int k = 0; k < count; k++) {
            dense[ids[k] >>> 6] |= 1L << ids[k];
            if (costs[k] != majority) {
                otherIds.add(ids[k]);
                otherCosts.add(costs[k]);
            }
        }
        return new StateMask(dense, majority, otherIds.isEmpty() ? NONE : otherIds.toArray(),
                otherCosts.isEmpty() ? NONE : otherCosts.toArray(), min, max, exits);
    }
}
