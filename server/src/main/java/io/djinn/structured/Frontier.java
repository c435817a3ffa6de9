package io.djinn.structured;

import java.util.Arrays;

/**
 * The parser's state between two bytes: every stack the input so far can be in (several when the grammar is
 * ambiguous so far, e.g. anyOf alternatives with a common prefix), closed under calls and returns, so that each
 * stack's top state has a byte edge; and whether the input so far is a complete document. Immutable.
 *
 * <p>The same machinery runs "local" walks for the mask cache: there the bottom frame's caller is unknown,
 * and {@link #complete} means that the bottom frame can return.
 */
final class Frontier {
    private static final Stack[] NO_STACKS = new Stack[0];
    /**
     * At most this many parses are followed at once. Only a grammar ambiguous across rules at every nesting level
     * (anyOf of two $refs that both recurse) can exceed it; the cheapest parses are then kept, which narrows the
     * language but keeps every output valid and every budget met.
     */
    static final int MAX_STACKS = 128;

    final Stack[] stacks;
    final boolean complete;

    Frontier(Stack[] stacks, boolean complete) {
        this.stacks = stacks;
        this.complete = complete;
    }

    static Frontier start(RuleDfa root) {
        Frontier f = close(new Stack[] {new Stack(root, 0, null)}, 1);
        return f != null ? f : new Frontier(NO_STACKS, false);
    }

    /** Minimum bytes to a complete document (0 if complete). */
    int minCost() {
        if (complete) {
            return 0;
        }
        int best = Compiler.INF;
        for (Stack s : stacks) {
            best = Math.min(best, s.cost);
        }
        return best;
    }

    boolean isDead() {
        return stacks.length == 0 && !complete;
    }

    /** After one more byte, or null if no stack can take it. */
    Frontier step(int b) {
        Stack[] in = stacks;
        if (in.length == 1) {
            Stack s = in[0];
            int t = s.dfa.next(s.state, b);
            if (t < 0) {
                return null;
            }
            Stack moved = new Stack(s.dfa, t, s.parent);
            if (s.dfa.simple[t]) {
                return new Frontier(new Stack[] {moved}, false);
            }
            return close(new Stack[] {moved}, 1);
        }
        Stack[] raw = new Stack[in.length];
        int n = 0;
        for (Stack s : in) {
            int t = s.dfa.next(s.state, b);
            if (t >= 0) {
                raw[n++] = new Stack(s.dfa, t, s.parent);
            }
        }
        return n == 0 ? null : close(raw, n);
    }

    /** After all these bytes, or null. */
    Frontier step(byte[] bytes) {
        Frontier f = this;
        for (int i = 0; i < bytes.length && f != null; i++) {
            f = f.step(bytes[i] & 0xFF);
        }
        return f;
    }

    /**
     * Closure of the given stacks: a top state that calls rules adds a stack per call (the caller's frame moves to
     * the return state, except when returning there would only return again); an accepting top state returns to its
     * caller's frame (or marks the document complete at the bottom). Stacks whose top has byte edges are kept.
     * Returns null when nothing is left.
     */
    static Frontier close(Stack[] raw, int count) {
        Stack[] work = Arrays.copyOf(raw, Math.max(count, 4));
        int wn = count;
        Stack[] seen = new Stack[Math.max(count * 2, 4)];
        int sn = 0;
        Stack[] out = new Stack[Math.max(count, 2)];
        int on = 0;
        boolean complete = false;
        while (wn > 0) {
            Stack s = work[--wn];
            if (indexOf(seen, sn, s) >= 0) {
                continue;
            }
            if (sn == seen.length) {
                seen = Arrays.copyOf(seen, sn * 2);
            }
            seen[sn++] = s;
            RuleDfa d = s.dfa;
            int q = s.state;
            if (d.hasBytes[q]) {
                if (on == out.length) {
                    out = Arrays.copyOf(out, on * 2);
                }
                out[on++] = s;
            }
            RuleDfa[] callees = d.callees[q];
            if (callees != null) {
                int[] rets = d.returns[q];
                for (int i = 0; i < callees.length; i++) {
                    Stack caller = d.tail[rets[i]] ? s.parent : new Stack(d, rets[i], s.parent);
                    if (wn == work.length) {
                        work = Arrays.copyOf(work, wn * 2);
                    }
                    work[wn++] = new Stack(callees[i], 0, caller);
                }
            }
            if (d.accept[q]) {
                if (s.parent == null) {
                    complete = true;
                } else {
                    if (wn == work.length) {
                        work = Arrays.copyOf(work, wn * 2);
                    }
                    work[wn++] = s.parent;
                }
            }
        }
        if (on == 0 && !complete) {
            return null;
        }
        if (on > MAX_STACKS) {
            Arrays.sort(out, 0, on, (a, b) -> Integer.compare(a.cost, b.cost));
            on = MAX_STACKS;
        }
        return new Frontier(on == 0 ? NO_STACKS : Arrays.copyOf(out, on), complete);
    }

    private static int indexOf(Stack[] a, int n, Stack s) {
        for (int i = 0; i < n; i++) {
            if (a[i].hash == s.hash && a[i].equals(s)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Frontier" + Arrays.toString(stacks) + (complete ? " complete" : "");
    }
}
