package io.djinn.structured;

import java.util.Arrays;

/**
 * An immutable set of Unicode scalar values (code points without the surrogates D800-DFFF, which UTF-8 cannot
 * encode) as sorted, disjoint, non-adjacent inclusive ranges.
 */
final class CodePointSet {
    static final int MAX = 0x10FFFF;
    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ALL = of(0, MAX);

    /** {@code [lo0, hi0, lo1, hi1, ...]}. */
    private final int[] ranges;

    private CodePointSet(int[] ranges) {
        this.ranges = ranges;
    }

    static CodePointSet of(int lo, int hi) {
        if (lo > hi) {
            return EMPTY;
        }
        return normalize(new int[] {lo, hi}).minusSurrogates();
    }

    static CodePointSet ofChars(String chars) {
        CodePointSet s = EMPTY;
        for (int i = 0; i < chars.length(); ) {
            int c = chars.codePointAt(i);
            s = s.union(of(c, c));
            i += Character.charCount(c);
        }
        return s;
    }

    int[] ranges() {
        return ranges.clone();
    }

    int rangeCount() {
        return ranges.length / 2;
    }

    int lo(int i) {
        return ranges[2 * i];
    }

    int hi(int i) {
        return ranges[2 * i + 1];
    }

    boolean isEmpty() {
        return ranges.length == 0;
    }

    boolean contains(int c) {
        for (int i = 0; i < ranges.length; i += 2) {
            if (c >= ranges[i] && c <= ranges[i + 1]) {
                return true;
            }
        }
        return false;
    }

    CodePointSet union(CodePointSet other) {
        int[] all = Arrays.copyOf(ranges, ranges.length + other.ranges.length);
        System.arraycopy(other.ranges, 0, all, ranges.length, other.ranges.length);
        return normalize(all);
    }

    /** All scalar values not in this set. */
    CodePointSet complement() {
        int[] out = new int[ranges.length + 2];
        int n = 0;
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out[n++] = next;
                out[n++] = ranges[i] - 1;
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX) {
            out[n++] = next;
            out[n++] = MAX;
        }
        return new CodePointSet(Arrays.copyOf(out, n)).minusSurrogates();
    }

    CodePointSet minus(CodePointSet other) {
        return complement().union(other).complement();
    }

    private CodePointSet minusSurrogates() {
        int[] out = new int[ranges.length + 2];
        int n = 0;
        boolean changed = false;
        for (int i = 0; i < ranges.length; i += 2) {
            int lo = ranges[i];
            int hi = ranges[i + 1];
            if (hi < 0xD800 || lo > 0xDFFF) {
                out[n++] = lo;
                out[n++] = hi;
                continue;
            }
            changed = true;
            if (lo < 0xD800) {
                out[n++] = lo;
                out[n++] = 0xD7FF;
            }
            if (hi > 0xDFFF) {
                out[n++] = 0xE000;
                out[n++] = hi;
            }
        }
        return changed ? new CodePointSet(Arrays.copyOf(out, n)) : this;
    }

    /** Sorts and merges overlapping or adjacent ranges. */
    private static CodePointSet normalize(int[] r) {
        int count = r.length / 2;
        long[] packed = new long[count];
        for (int i = 0; i < count; i++) {
            packed[i] = ((long) r[2 * i] << 32) | r[2 * i + 1];
        }
        Arrays.sort(packed);
        int[] out = new int[r.length];
        int n = 0;
        for (long p : packed) {
            int lo = (int) (p >>> 32);
            int hi = (int) p;
            if (n > 0 && lo <= out[n - 1] + 1) {
                out[n - 1] = Math.max(out[n - 1], hi);
            } else {
                out[n++] = lo;
                out[n++] = hi;
            }
        }
        return new CodePointSet(Arrays.copyOf(out, n));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodePointSet c && Arrays.equals(ranges, c.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }
}
