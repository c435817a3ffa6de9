package io.djinn.structured;

import java.lang.ref.Cleaner;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The compiled form of one {@link Rule}: a DFA over byte classes whose states may also call other rules. State 0
 * is the start. Everything about a rule (its transitions, its minimum completion lengths, the token masks of its
 * states) depends only on the rule and the rules it calls, never on the grammar it is used in, so shared rules
 * (JSON strings, numbers) are compiled once and their masks are computed once per vocabulary.
 */
final class RuleDfa {
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Gives a collected rule's cached mask bytes back to its vocabulary's budget. */
    private static final Cleaner CLEANER = Cleaner.create();

    final Rule rule;
    final int id = IDS.incrementAndGet();
    final int size;
    final int classes;
    /** byte → class. */
    final int[] byteClass;
    /** {@code next[state * classes + class]}: the next state, or -1. Edges into dead states are removed. */
    final int[] next;
    /** Per state, the rules it may call (null if none) and the state each call returns to. */
    final RuleDfa[][] callees;
    final int[][] returns;
    final boolean[] accept;
    /**
     * Minimum number of bytes from the state to the end of this rule, counting a call as its callee's minimum
     * length ({@link Compiler#INF} for states that cannot reach the end: never entered).
     */
    final int[] dist;
    /** The state has a byte edge: it can be the top of a stack between two bytes. */
    final boolean[] hasBytes;
    /** Not accepting and no calls: after a byte into it, the closure of a stack is the stack itself. */
    final boolean[] simple;
    /** Accepting, without edges or calls: returning into it is returning from it, so no frame is pushed. */
    final boolean[] tail;

    /** Token masks of this rule's states, per vocabulary (weak: vocabularies may come and go with models). */
    private final Map<TokenVocabulary, MaskTable> masks = new WeakHashMap<>();

    /**
     * The cached masks of one rule for one vocabulary, and their size, counted in the vocabulary's budget for as
     * long as the rule lives (per-request grammars come and go; their masks must not use the budget up forever).
     */
    static final class MaskTable {
        final AtomicReferenceArray<StateMask> masks;
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong budgetUsed;

        private MaskTable(int size, AtomicLong budgetUsed) {
            this.masks = new AtomicReferenceArray<>(size);
            this.budgetUsed = budgetUsed;
        }

        StateMask get(int state) {
            return masks.get(state);
        }

        /** Caches the mask unless another thread was first or the vocabulary's budget is spent. */
        void offer(int state, StateMask m) {
            if (budgetUsed.get() < TokenVocabulary.MASK_CACHE_BYTES && masks.compareAndSet(state, null, m)) {
                bytes.addAndGet(m.bytes());
                budgetUsed.addAndGet(m.bytes());
            }
        }

        private Runnable release() {
            AtomicLong own = bytes;
            AtomicLong budget = budgetUsed;
            return () -> budget.addAndGet(-own.get());
        }
    }

    RuleDfa(Rule rule, int size, int classes, int[] byteClass, int[] next, boolean[] accept, int[] dist) {
        this.rule = rule;
        this.size = size;
        this.classes = classes;
        this.byteClass = byteClass;
        this.next = next;
        this.accept = accept;
        this.dist = dist;
        this.callees = new RuleDfa[size][];
        this.returns = new int[size][];
        this.hasBytes = new boolean[size];
        this.simple = new boolean[size];
        this.tail = new boolean[size];
    }

    /** Called by the compiler once the callees are set. */
    void finish() {
        for (int s = 0; s < size; s++) {
            boolean bytes = false;
            for (int c = 0; c < classes && !bytes; c++) {
                bytes = next[s * classes + c] >= 0;
            }
            hasBytes[s] = bytes;
            simple[s] = !accept[s] && callees[s] == null;
            tail[s] = accept[s] && !bytes && callees[s] == null;
        }
    }

    int next(int state, int b) {
        return next[state * classes + byteClass[b]];
    }

    int minLength() {
        return dist[0];
    }

    MaskTable masks(TokenVocabulary vocab) {
        synchronized (masks) {
            MaskTable t = masks.get(vocab);
            if (t == null) {
                t = new MaskTable(size, vocab.cachedMaskBytes);
                masks.put(vocab, t);
                CLEANER.register(this, t.release());
            }
            return t;
        }
    }

    @Override
    public String toString() {
        return "RuleDfa[" + rule.name + ", " + size + " states]";
    }
}
