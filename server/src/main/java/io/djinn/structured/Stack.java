package io.djinn.structured;

/**
 * An immutable parse stack: the top frame's DFA state, under it the frames of the callers (each at the state their
 * call returns to). Value object (equals/hashCode), with tails shared between stacks.
 */
final class Stack {
    final RuleDfa dfa;
    final int state;
    final Stack parent;
    final int hash;
    /** Minimum bytes to finish every frame: the top's distance plus each caller's distance from its return state. */
    final int cost;

    Stack(RuleDfa dfa, int state, Stack parent) {
        this.dfa = dfa;
        this.state = state;
        this.parent = parent;
        this.hash = (parent == null ? 0 : parent.hash * 31) + dfa.id * 65_599 + state;
        this.cost = parent == null ? dfa.dist[state] : (int) Math.min(Compiler.INF, (long) dfa.dist[state] + parent.cost);
    }

    /** Minimum bytes to finish the frames under the top one. */
    int tailCost() {
        return parent == null ? 0 : parent.cost;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Stack other)) {
            return false;
        }
        Stack a = this;
        Stack b = other;
        while (a != b) {
            if (a == null || b == null || a.hash != b.hash || a.state != b.state || a.dfa != b.dfa) {
                return false;
            }
            a = a.parent;
            b = b.parent;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Stack s = this; s != null; s = s.parent) {
            sb.append(s == this ? "" : " < ").append(s.dfa.rule.name).append(':').append(s.state);
        }
        return sb.toString();
    }
}
