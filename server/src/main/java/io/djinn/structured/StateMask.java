package io.djinn.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /**
     * Walks the vocabulary trie from the state. A token whose bytes the state's frame (with whatever it calls)
     * consumes entirely is accepted here, with its cost; a token refused here but whose path passed a point where
     * the frame may return (an "exit") is kept with the bytes after each such point, for the caller to check.
     * Tokens accepted here are not also followed through exits: their exit paths could only be cheaper when the
     * budget is nearly spent, where judging them by their in-frame cost merely leaves them out (single-byte tokens
     * are always exact, so a shortest completion stays available). Following them would copy the rest of every
     * token after every exit, quadratic for a state like the end of {@code [a-z]+}.
     */
    static StateMask build(TokenVocabulary vocab, RuleDfa dfa, int state) {
        Trie trie = vocab.trie;
        int depthCap = trie.maxDepth + 1;
        // Per depth, the parser state after that many bytes of the current path: either a single stack whose top
        // is a plain state (kept unboxed: the common case, e.g. inside a string, allocates nothing) or a frontier.
        boolean[] single = new boolean[depthCap];
        RuleDfa[] singleDfa = new RuleDfa[depthCap];
        int[] singleState = new int[depthCap];
        Stack[] singleParent = new Stack[depthCap];
        Frontier[] fr = new Frontier[depthCap];
        single[0] = true;
        singleDfa[0] = dfa;
        singleState[0] = state;
        IntList ids = new IntList(64);
        IntList costs = new IntList(64);
        List<byte[]> rest = new ArrayList<>();
        IntList restIds = new IntList();
        int[] exitDepths = new int[depthCap];
        int exits = 0;
        int n = trie.size;
        for (int i = 0; i < n; ) {
            int d = trie.depth[i];
            while (exits > 0 && exitDepths[exits - 1] >= d) {
                exits--; // that exit was on another branch
            }
            int b = trie.label[i] & 0xFF;
            Frontier f = null;
            boolean alive;
            int cost = 0;
            if (single[d - 1]) {
                RuleDfa sd = singleDfa[d - 1];
                int t = sd.next(singleState[d - 1], b);
                alive = t >= 0;
                if (alive && sd.simple[t]) {
                    single[d] = true;
                    singleDfa[d] = sd;
                    singleState[d] = t;
                    singleParent[d] = singleParent[d - 1];
                    cost = sd.dist[t] + (singleParent[d] == null ? 0 : singleParent[d].cost);
                } else if (alive) {
                    f = Frontier.close(new Stack[] {new Stack(sd, t, singleParent[d - 1])}, 1);
                    alive = f != null;
                }
            } else {
                f = fr[d - 1].step(b);
                alive = f != null;
            }
            if (!alive) {
                if (exits > 0) {
                    for (int k = trie.idStart[i]; k < trie.idStart[trie.end[i]]; k++) {
                        byte[] bytes = vocab.bytes[trie.ids[k]];
                        for (int e = 0; e < exits; e++) {
                            rest.add(Arrays.copyOfRange(bytes, exitDepths[e], bytes.length));
                            restIds.add(trie.ids[k]);
                        }
                    }
                }
                i = trie.end[i];
                continue;
            }
            boolean exit = false;
            if (f != null) {
                store(f, d, single, singleDfa, singleState, singleParent, fr);
                cost = f.minCost();
                exit = f.complete;
            }
            for (int k = trie.idStart[i]; k < trie.idStart[i + 1]; k++) {
                ids.add(trie.ids[k]);
                costs.add(cost);
            }
            if (exit && trie.end[i] > i + 1) {
                exitDepths[exits++] = d;
            }
            i++;
        }
        Trie exitTrie = rest.isEmpty() ? null : Trie.build(rest.toArray(new byte[0][]), restIds.toArray(), rest.size());
        return of(vocab, ids.toArray(), costs.toArray(), exitTrie);
    }

    /** Keeps a frontier for the next depth, unboxed when it is a single stack on a plain state. */
    private static void store(Frontier f, int d, boolean[] single, RuleDfa[] singleDfa, int[] singleState,
                              Stack[] singleParent, Frontier[] fr) {
        if (f.stacks.length == 1 && !f.complete && f.stacks[0].dfa.simple[f.stacks[0].state]) {
            Stack s = f.stacks[0];
            single[d] = true;
            singleDfa[d] = s.dfa;
            singleState[d] = s.state;
            singleParent[d] = s.parent;
        } else {
            single[d] = false;
            fr[d] = f;
        }
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
