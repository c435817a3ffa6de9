package io.djinn.structured;

import java.util.SplittableRandom;

/** Walks over an allowed-token bitset ({@code long[]}, bit {@code id} set = token allowed). */
public final class TokenMasks {
    private TokenMasks() {}

    /** A uniformly random allowed token: how property tests and the mask benchmark walk a grammar. */
    public static int pickUniform(long[] mask, SplittableRandom random) {
        int count = 0;
        for (long w : mask) {
            count += Long.bitCount(w);
        }
        if (count == 0) {
            throw new IllegalStateException("empty mask");
        }
        int k = random.nextInt(count);
        for (int i = 0; i < mask.length; i++) {
            int c = Long.bitCount(mask[i]);
            if (k < c) {
                long w = mask[i];
                for (int j = 0; j < k; j++) {
                    w &= w - 1;
                }
                return i * 64 + Long.numberOfTrailingZeros(w);
            }
            k -= c;
        }
        throw new IllegalStateException();
    }
}
