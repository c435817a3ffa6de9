package io.djinn.structured;

import java.util.Arrays;

/**
 * A byte trie of token strings in flat preorder arrays: node {@code i} has the byte {@code label[i]} at depth
 * {@code depth[i]} (1-based; the root is implicit), its subtree is {@code [i, end[i])}, and the tokens spelled by
 * the path to it are {@code ids[idStart[i] .. idStart[i + 1])}. A walk keeps the parser state per depth and, when
 * a byte is refused, skips the whole subtree at once: tokens sharing a refused prefix cost nothing.
 */
final class Trie {
    final int size;
    final byte[] label;
    final int[] depth;
    final int[] end;
    final int[] idStart;
    final int[] ids;
    final int maxDepth;

    private Trie(int size, byte[] label, int[] depth, int[] end, int[] idStart, int[] ids, int maxDepth) {
        this.size = size;
        this.label = label;
        this.depth = depth;
        this.end = end;
        this.idStart = idStart;
        this.ids = ids;
        this.maxDepth = maxDepth;
    }

    /** Trie of {@code strings[i]} (non-empty) with their ids {@code ids[i]}; equal strings share a node. */
    static Trie build(byte[][] strings, int[] tokenIds, int count) {
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Arrays.compareUnsigned(strings[a], strings[b]);
            return c != 0 ? c : Integer.compare(tokenIds[a], tokenIds[b]);
        });
        int maxLen = 0;
        long totalGuess = 0;
        for (int i = 0; i < count; i++) {
            maxLen = Math.max(maxLen, strings[i].length);
            totalGuess += strings[i].length;
        }
        int cap = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(16, totalGuess));
        byte[] label = new byte[Math.min(cap, 1 << 16)];
        int[] depth = new int[label.length];
        int[] end = new int[label.length];
        int[] idCount = new int[label.length];
        int[] ids = new int[count];
        int[] open = new int[maxLen + 1];
        int n = 0;
        byte[] prev = null;
        for (int k = 0; k < count; k++) {
            int t = order[k];
            byte[] s = strings[t];
            int lcp = prev == null ? 0 : Arrays.mismatch(prev, s);
            if (lcp < 0) { // equal strings
                idCount[n - 1]++;
                ids[k] = tokenIds[t];
                continue;
            }
            if (prev != null) {
                for (int d = lcp + 1; d <= prev.length; d++) {
                    end[open[d]] = n;
                }
            }
            for (int d = lcp + 1; d <= s.length; d++) {
                if (n == label.length) {
                    int grow = label.length * 2;
                    label = Arrays.copyOf(label, grow);
                    depth = Arrays.copyOf(depth, grow);
                    end = Arrays.copyOf(end, grow);
                    idCount = Arrays.copyOf(idCount, grow);
                }
                label[n] = s[d - 1];
                depth[n] = d;
                open[d] = n;
                n++;
            }
            idCount[n - 1]++;
            ids[k] = tokenIds[t];
            prev = s;
        }
        if (prev != null) {
            for (int d = 1; d <= prev.length; d++) {
                end[open[d]] = n;
            }
        }
        int[] idStart = new int[n + 1];
        for (int i = 0; i < n; i++) {
            idStart[i + 1] = idStart[i] + idCount[i];
        }
        return new Trie(n, Arrays.copyOf(label, n), Arrays.copyOf(depth, n), Arrays.copyOf(end, n), idStart, ids,
                maxLen);
    }

    long bytes() {
        return size * 13L + ids.length * 4L + 64;
    }
}
