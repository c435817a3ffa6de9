package io.djinn.structured;

import io.djinn.engine.TokenConstraint;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One sequence's position in a grammar: which tokens may come next ({@link #allowed}), advanced by the chosen token
 * ({@link #accept}). Mutable, used by one thread at a time; the masks it computes come from caches shared by all
 * constraints on the same grammar and vocabulary.
 *
 * <p><b>Termination.</b> Every parser state knows the minimum number of bytes still needed to finish the document
 * (per DFA state, summed over the stack). A token is allowed only if, after it, that minimum fits in the tokens left
 * ({@code remainingTokens - 1}), counting one token per byte, which a vocabulary with all 256 single-byte tokens can
 * always do ({@link TokenVocabulary#coversAllBytes()}). So a sequence that starts with at least {@link #minTokens()}
 * tokens of budget always ends with a complete document, whatever the sampler picks.
 *
 * <p><b>Cost of a step.</b> The mask is the union, over the stacks of the current state, of the cached mask of the
 * top DFA state (filtered by the budget only when the budget is nearly spent), plus the tokens that finish the top
 * frame mid-token, checked against the real stack through a small trie (memoized per stack).
 *
 * <p><b>For the engine.</b> Stop the sequence when {@link #isComplete()} (only EOS would be allowed, and nothing if
 * the vocabulary has no EOS id), even if min_tokens is not reached; masking EOS there (min_tokens, ignore_eos) would
 * leave no token. Refuse a request whose max_tokens is below {@link #minTokens()}. Tokens from outside the mask
 * (forced prefixes) may be passed to {@link #accept} as long as the grammar allows them.
 */
public final class GrammarConstraint implements TokenConstraint {
    private static final int MEMO_LIMIT = 256;

    private final TokenVocabulary vocab;
    private Frontier frontier;
    private boolean ended;
    private final long[] scratch;
    private final Map<RuleDfa, RuleDfa.MaskTable> tables = new IdentityHashMap<>();
    private final Map<ExitKey, int[][]> exitMemo = new HashMap<>();

    private record ExitKey(StateMask mask, Stack caller) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ExitKey k && k.mask == mask && k.caller.equals(caller);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(mask) * 31 + caller.hash;
        }
    }

    public GrammarConstraint(Grammar grammar, TokenVocabulary vocab) {
        this.vocab = vocab;
        this.frontier = Frontier.start(((Rule) grammar).compiled());
        this.scratch = new long[vocab.words];
    }

    /**
     * Minimum number of tokens (bytes, for a vocabulary covering all bytes) that still complete the document;
     * before the first token, the grammar's shortest document. A request whose max_tokens is below this value
     * can never produce a valid document: refuse it.
     */
    public int minTokens() {
        return ended ? 0 : frontier.minCost();
    }

    /**
     * The ids that may come next, as a bitset over {@link TokenVocabulary#modelVocabSize()} ids (bit {@code id} of
     * word {@code id / 64}); the array belongs to the caller. EOS ids are allowed exactly when the output so far is
     * a complete document. Other tokens are allowed when the document can still be completed after them within
     * {@code remainingTokens - 1} tokens; if {@code remainingTokens} is already below {@link #minTokens()}, the
     * budget cannot be met and the mask follows a shortest completion instead.
     *
     * @param remainingTokens how many more tokens the sequence may generate, this one included
     */
    @Override
    public long[] allowed(int remainingTokens) {
        if (ended) {
            throw new IllegalStateException("the constraint has already accepted EOS");
        }
        long[] out = new long[vocab.words];
        int limit = Math.max(remainingTokens - 1, frontier.minCost() - 1);
        for (Stack s : frontier.stacks) {
            StateMask m = mask(s.dfa, s.state);
            m.apply(out, limit - s.tailCost(), scratch);
            if (m.exits != null && s.parent != null) {
                int[][] exit = exitTokens(m, s.parent);
                int[] ids = exit[0];
                int[] costs = exit[1];
                for (int k = 0; k < ids.length; k++) {
                    if (costs[k] <= limit) {
                        out[ids[k] >>> 6] |= 1L << ids[k];
                    }
                }
            }
        }
        if (frontier.complete) {
            for (int id : vocab.eosIds) {
                out[id >>> 6] |= 1L << id;
            }
        }
        return out;
    }

    /**
     * Advances by the chosen token. EOS is accepted only on a complete document and ends the constraint.
     *
     * @throws IllegalStateException if the grammar does not allow the token here (the state is then unchanged)
     */
    @Override
    public void accept(int tokenId) {
        if (ended) {
            throw new IllegalStateException("the constraint has already accepted EOS");
        }
        if (vocab.isEos(tokenId)) {
            if (!frontier.complete) {
                throw new IllegalStateException("EOS before the document is complete");
            }
            ended = true;
            return;
        }
        byte[] bytes = vocab.bytes(tokenId);
        if (bytes == null) {
            throw new IllegalStateException("token " + tokenId + " is never allowed by a grammar");
        }
        Frontier next = frontier.step(bytes);
        if (next == null) {
            throw new IllegalStateException("token " + tokenId + " is not allowed here");
        }
        frontier = next;
        if (exitMemo.size() > MEMO_LIMIT) {
            exitMemo.clear();
        }
    }

    /** The output is a complete document and no further byte is possible (or EOS was accepted): stop. */
    @Override
    public boolean isComplete() {
        return ended || frontier.complete && frontier.stacks.length == 0;
    }

    /** The output so far is a complete document (EOS is allowed), though it may also go on. */
    public boolean canEnd() {
        return ended || frontier.complete;
    }

    /** The parser state (tests compare masks with a token-by-token reference). */
    Frontier frontier() {
        return frontier;
    }

    private StateMask mask(RuleDfa dfa, int state) {
        RuleDfa.MaskTable table = tables.get(dfa);
        if (table == null) {
            table = dfa.masks(vocab);
            tables.put(dfa, table);
        }
        StateMask m = table.get(state);
        if (m == null) {
            // Racing builders compute the same mask; the first one stays. Past the vocabulary's budget, masks are
            // used once and dropped (each step then pays the walk).
            m = StateMask.build(vocab, dfa, state);
            table.offer(state, m);
        }
        return m;
    }

    /** Tokens that finish the top frame mid-token and continue in the caller's frames: ids and total costs. */
    private int[][] exitTokens(StateMask m, Stack caller) {
        ExitKey key = new ExitKey(m, caller);
        int[][] r = exitMemo.get(key);
        if (r == null) {
            r = walkExits(m.exits, caller);
            exitMemo.put(key, r);
        }
        return r;
    }

    private static int[][] walkExits(Trie trie, Stack caller) {
        Frontier start = Frontier.close(new Stack[] {caller}, 1);
        IntList ids = new IntList();
        IntList costs = new IntList();
        if (start != null) {
            Frontier[] fr = new Frontier[trie.maxDepth + 1];
            fr[0] = start;
            for (int i = 0; i < trie.size; ) {
                int d = trie.depth[i];
                Frontier f = fr[d - 1].step(trie.label[i] & 0xFF);
                if (f == null) {
                    i = trie.end[i];
                    continue;
                }
                fr[d] = f;
                int c = f.minCost();
                for (int k = trie.idStart[i]; k < trie.idStart[i + 1]; k++) {
                    ids.add(trie.ids[k]);
                    costs.add(c);
                }
                i++;
            }
        }
        return new int[][] {ids.toArray(), costs.toArray()};
    }
}
