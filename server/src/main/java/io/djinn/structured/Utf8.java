package io.djinn.structured;

import java.util.function.Consumer;

/**
 * Splits code point ranges into sequences of byte ranges whose concatenations are exactly the UTF-8 encodings of
 * the range (the construction of RE2 and Rust's regex-syntax): a range is cut at the encoded-length boundaries and
 * then wherever a continuation byte does not span its full 80-BF, so that each piece is a product of byte ranges.
 */
final class Utf8 {
    private Utf8() {}

    private static final int[] LENGTH_LIMITS = {0x7F, 0x7FF, 0xFFFF};

    /** Calls {@code out} with {@code [lo0, hi0, lo1, hi1, ...]}, one byte range per position, for each piece. */
    static void sequences(CodePointSet set, Consumer<int[]> out) {
        for (int i = 0; i < set.rangeCount(); i++) {
            split(set.lo(i), set.hi(i), out);
        }
    }

    private static void split(int lo, int hi, Consumer<int[]> out) {
        for (int limit : LENGTH_LIMITS) {
            if (lo <= limit && hi > limit) {
                split(lo, limit, out);
                split(limit + 1, hi, out);
                return;
            }
        }
        if (hi <= 0x7F) {
            out.accept(new int[] {lo, hi});
            return;
        }
        int n = length(lo);
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    split(lo, lo | m, out);
                    split((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    split(lo, (hi & ~m) - 1, out);
                    split(hi & ~m, hi, out);
                    return;
                }
            }
        }
        byte[] a = encode(lo);
        byte[] b = encode(hi);
        int[] seq = new int[2 * n];
        for (int i = 0; i < n; i++) {
            seq[2 * i] = a[i] & 0xFF;
            seq[2 * i + 1] = b[i] & 0xFF;
        }
        out.accept(seq);
    }

    static int length(int cp) {
        return cp <= 0x7F ? 1 : cp <= 0x7FF ? 2 : cp <= 0xFFFF ? 3 : 4;
    }

    static byte[] encode(int cp) {
        return switch (length(cp)) {
            case 1 -> new byte[] {(byte) cp};
            case 2 -> new byte[] {(byte) (0xC0 | cp >> 6), (byte) (0x80 | cp & 0x3F)};
            case 3 -> new byte[] {(byte) (0xE0 | cp >> 12), (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
            default -> new byte[] {(byte) (0xF0 | cp >> 18), (byte) (0x80 | cp >> 12 & 0x3F),
                    (byte) (0x80 | cp >> 6 & 0x3F), (byte) (0x80 | cp & 0x3F)};
        };
    }
}
