package io.djinn.structured;

import java.util.Arrays;

/** A growable int array: the compiler and the mask builder handle millions of ints, never boxed. */
final class IntList {
    private int[] a;
    private int n;

    IntList() {
        this(8);
    }

    IntList(int capacity) {
        a = new int[Math.max(capacity, 1)];
    }

    void add(int v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
        }
        a[n++] = v;
    }

    int get(int i) {
        return a[i];
    }

    int size() {
        return n;
    }

    boolean isEmpty() {
        return n == 0;
    }

    void clear() {
        n = 0;
    }

    int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
