package io.djinn.structured;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A named nonterminal: a node tree that other rules reach through {@link Node.Call}, which makes recursion ($ref) and
 * sharing (one string rule for every string of every schema, hence one cached mask per string state) possible.
 * The body is set once, before the rule is first compiled; the compiled DFA is then cached here.
 */
final class Rule implements Grammar {
    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.incrementAndGet();
    final String name;
    private Node body;
    /** Set by {@link Compiler} once this rule and every rule it calls is compiled; read without locking. */
    volatile RuleDfa dfa;

    Rule(String name) {
        this.name = name;
    }

    Rule(String name, Node body) {
        this.name = name;
        this.body = body;
    }

    void define(Node body) {
        if (this.body != null) {
            throw new IllegalStateException("rule " + name + " is already defined");
        }
        this.body = body;
    }

    Node body() {
        if (body == null) {
            throw new IllegalStateException("rule " + name + " has no body");
        }
        return body;
    }

    RuleDfa compiled() {
        RuleDfa d = dfa;
        return d != null ? d : Compiler.compile(this);
    }

    @Override
    public int minLength() {
        return compiled().minLength();
    }

    @Override
    public String toString() {
        return "Grammar[" + name + "]";
    }
}
