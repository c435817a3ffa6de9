package io.djinn.reasoning;

import io.djinn.engine.TokenConstraint;

/**
 * Bounds a reasoning model's thinking and keeps structured output after it. The sequence is in one of three phases:
 * <ol>
 *   <li><b>start</b> (only when the prompt did not open the thinking block): the first token may open it; with a
 *       grammar, the first token is otherwise the grammar's;</li>
 *   <li><b>thinking</b>: free text, except that EOS is masked when a grammar must still follow; once
 *       {@code budget} thinking tokens are spent, or the tokens left are only just enough for the end marker and the
 *       grammar's shortest document, the end marker is the only token allowed;</li>
 *   <li><b>answer</b>: the grammar, if any, from its first token (so the answer is complete and valid however long
 *       the thinking was).</li>
 * </ol>
 * The markers are single tokens (as {@code <think>} and {@code </think>} are in Qwen3, DeepSeek-R1 and the generated
 * checkpoint); the caller checks that before building one.
 */
public final class ThinkingBudget implements TokenConstraint {

    private enum Phase { START, THINKING, ANSWER }

    private final int startId;
    private final int endId;
    private final int budget;
    private final TokenConstraint grammar;
    private final int grammarMinTokens;
    private final long[] onlyEnd;
    private final long[] allButEos;
    private Phase phase;
    private int thinkingTokens;

    /**
     * @param startId          the token that opens thinking
     * @param endId            the token that closes it
     * @param budget           thinking tokens allowed before the end marker is forced; negative for no limit
     * @param openedByPrompt   the prompt ends inside an open thinking block
     * @param grammar          the answer's constraint, or null for free text
     * @param grammarMinTokens tokens the grammar needs at least for a complete document (0 without grammar)
     * @param vocab            model vocabulary size (the width of the masks)
     * @param eosIds           ids that would end the sequence
     */
    public ThinkingBudget(int startId, int endId, int budget, boolean openedByPrompt, TokenConstraint grammar,
            int grammarMinTokens, int vocab, int[] eosIds) {
        this.startId = startId;
        this.endId = endId;
        this.budget = budget;
        this.grammar = grammar;
        this.grammarMinTokens = grammar == null ? 0 : grammarMinTokens;
        this.onlyEnd = new long[(vocab + 63) / 64];
        onlyEnd[endId >>> 6] |= 1L << endId;
        if (grammar != null) {
            allButEos = new long[(vocab + 63) / 64];
            java.util.Arrays.fill(allButEos, -1L);
            for (int id = vocab; id < allButEos.length * 64; id++) {
                allButEos[id >>> 6] &= ~(1L << id);
            }
            for (int id : eosIds) {
                if (id >= 0 && id < vocab) {
                    allButEos[id >>> 6] &= ~(1L << id);
                }
            }
        } else {
            allButEos = null;
        }
        this.phase = openedByPrompt ? Phase.THINKING : Phase.START;
    }

    @Override
    public long[] allowed(int remainingTokens) {
        return switch (phase) {
            case START -> {
                if (grammar == null) {
                    yield budget == 0 ? allButStart() : null;
                }
                long[] g = grammar.allowed(remainingTokens);
                // opening costs the marker pair on top of the document
                if (budget != 0 && remainingTokens >= grammarMinTokens + 2) {
                    g = g.clone();
                    g[startId >>> 6] |= 1L << startId;
                }
                yield g;
            }
            case THINKING -> {
                boolean spent = budget >= 0 && thinkingTokens >= budget;
                boolean noRoom = remainingTokens <= grammarMinTokens + 1;
                yield spent || noRoom ? onlyEnd : allButEos;
            }
            case ANSWER -> grammar == null ? null : grammar.allowed(remainingTokens);
        };
    }

    /** A zero budget forbids opening the thinking block at all. */
    private long[] allButStart() {
        long[] all = new long[onlyEnd.length];
        java.util.Arrays.fill(all, -1L);
        all[startId >>> 6] &= ~(1L << startId);
        return all;
    }

    @Override
    public void accept(int tokenId) {
        switch (phase) {
            case START -> {
                if (tokenId == startId && budget != 0) {
                    phase = Phase.THINKING;
                } else {
                    phase = Phase.ANSWER;
                    if (grammar != null) {
                        grammar.accept(tokenId);
                    }
                }
            }
            case THINKING -> {
                if (tokenId == endId) {
                    phase = Phase.ANSWER;
                } else {
                    thinkingTokens++;
                }
            }
            case ANSWER -> {
                if (grammar != null) {
                    grammar.accept(tokenId);
                }
            }
        }
    }

    @Override
    public boolean isComplete() {
        return phase == Phase.ANSWER && grammar != null && grammar.isComplete();
    }

    /** Thinking tokens generated so far. */
    public int thinkingTokens() {
        return thinkingTokens;
    }
}
