package io.djinn.engine;

/**
 * One sequence's rule for which tokens may come next (a grammar for structured output, a thinking budget): the
 * sampler masks every other token before it samples, with whatever sampling parameters the sequence has, and the
 * engine reports each chosen token back. Instances are per sequence and used by the engine thread only.
 */
public interface TokenConstraint {

    /**
     * The token ids allowed next, as bit words ({@code (words[id >>> 6] >>> id) & 1}); ids past the array are not
     * allowed. Never empty; null means every token is allowed at this step (a constraint that is not active yet).
     *
     * @param remainingTokens how many tokens the sequence may still generate, this one included
     */
    long[] allowed(int remainingTokens);

    /** Advances past the token the sampler chose (one {@link #allowed} returned). */
    void accept(int tokenId);

    /** The constrained output is finished and nothing may follow: the sequence stops here. */
    boolean isComplete();
}
