package io.djinn.structured;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles rules: each rule's node tree becomes a Thompson NFA, then a DFA by subset construction over its own byte
 * classes (call edges are symbols like bytes). The minimum completion length of every state is then computed by a
 * fixed point over all rules compiled together (recursion through $ref makes a rule's length depend on itself),
 * states that can never finish are pruned, and left recursion (a rule reaching itself without consuming a byte,
 * which would grow the stack forever) is refused. Compilation is serialised: it is fast and happens once per rule.
 */
final class Compiler {
    private Compiler() {}

    static final int INF = Integer.MAX_VALUE / 4;
    /** Bounds that keep a hostile schema or regex from exhausting memory. */
    static final int MAX_NFA_STATES = 1_000_000;
    static final int MAX_DFA_STATES = 200_000;
    /** Total NFA states over all DFA states of a rule: bounds the memory of an ambiguous regex's subsets. */
    static final long MAX_SUBSET_STATES = 2_000_000;

    static synchronized RuleDfa compile(Rule root) {
        if (root.dfa != null) {
            return root.dfa;
        }
        List<Rule> rules = new ArrayList<>();
        Map<Rule, Integer> index = new IdentityHashMap<>();
        collect(root, rules, index);

        int n = rules.size();
        Raw[] raw = new Raw[n];
        int total = 0;
        for (int i = 0; i < n; i++) {
            Nfa nfa = new Nfa();
            int end = nfa.build(rules.get(i).body(), 0);
            raw[i] = determinize(nfa, end, MAX_DFA_STATES - total);
            total += raw[i].size;
        }

        // Minimum completion lengths: Bellman-Ford style sweeps until stable. States are numbered breadth-first
        // from the start, so sweeping backwards converges in a few passes.
        int[][] dist = new int[n][];
        for (int i = 0; i < n; i++) {
            dist[i] = new int[raw[i].size];
            Arrays.fill(dist[i], INF);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int r = n - 1; r >= 0; r--) {
                Raw d = raw[r];
                int[] dr = dist[r];
                for (int s = d.size - 1; s >= 0; s--) {
                    int best = d.accept[s] ? 0 : INF;
                    for (int c = 0; c < d.classes; c++) {
                        int t = d.next[s * d.classes + c];
                        if (t >= 0 && dr[t] + 1 < best) {
                            best = dr[t] + 1;
                        }
                    }
                    Rule[] calls = d.callRules[s];
                    if (calls != null) {
                        for (int k = 0; k < calls.length; k++) {
                            int len = minLength(calls[k], index, dist);
                            int after = dr[d.callReturns[s][k]];
                            if (len < INF && after < INF && len + after < best) {
                                best = len + after;
                            }
                        }
                    }
                    if (best < dr[s]) {
                        dr[s] = best;
                        changed = true;
                    }
                }
            }
        }

        RuleDfa[] out = new RuleDfa[n];
        for (int r = 0; r < n; r++) {
            Raw d = raw[r];
            int[] next = d.next.clone();
            for (int i = 0; i < next.length; i++) {
                if (next[i] >= 0 && dist[r][next[i]] >= INF) {
                    next[i] = -1;
                }
            }
            out[r] = new RuleDfa(rules.get(r), d.size, d.classes, d.byteClass, next, d.accept, dist[r]);
        }
        for (int r = 0; r < n; r++) {
            Raw d = raw[r];
            RuleDfa dfa = out[r];
            for (int s = 0; s < d.size; s++) {
                Rule[] calls = d.callRules[s];
                if (calls == null || dist[r][s] >= INF) {
                    continue;
                }
                List<RuleDfa> callees = new ArrayList<>();
                IntList rets = new IntList();
                for (int k = 0; k < calls.length; k++) {
                    Integer j = index.get(calls[k]);
                    RuleDfa callee = j != null ? out[j] : calls[k].dfa;
                    int ret = d.callReturns[s][k];
                    if (callee.minLength() < INF && dist[r][ret] < INF) {
                        callees.add(callee);
                        rets.add(ret);
                    }
                }
                if (!callees.isEmpty()) {
                    dfa.callees[s] = callees.toArray(new RuleDfa[0]);
                    dfa.returns[s] = rets.toArray();
                }
            }
            dfa.finish();
        }
        checkLeftRecursion(out);
        for (int r = 0; r < n; r++) {
            rules.get(r).dfa = out[r];
        }
        return root.dfa;
    }

    private static int minLength(Rule callee, Map<Rule, Integer> index, int[][] dist) {
        Integer j = index.get(callee);
        return j != null ? dist[j][0] : callee.dfa.minLength();
    }

    /** The rules reachable from {@code root} through calls that are not compiled yet, root first. */
    private static void collect(Rule root, List<Rule> rules, Map<Rule, Integer> index) {
        ArrayDeque<Node> work = new ArrayDeque<>();
        index.put(root, 0);
        rules.add(root);
        work.push(root.body());
        while (!work.isEmpty()) {
            switch (work.pop()) {
                case Node.Seq s -> s.parts().forEach(work::push);
                case Node.Alt a -> a.options().forEach(work::push);
                case Node.Repeat r -> {
                    work.push(r.item());
                    if (r.separator() != null) {
                        work.push(r.separator());
                    }
                }
                case Node.Members m -> {
                    m.members().forEach(work::push);
                    if (m.separator() != null) {
                        work.push(m.separator());
                    }
                }
                case Node.Call c -> {
                    Rule r = c.rule();
                    if (r.dfa == null && !index.containsKey(r)) {
                        index.put(r, rules.size());
                        rules.add(r);
                        work.push(r.body());
                    }
                }
                case Node.Bytes b -> {}
                case Node.Literal l -> {}
                case Node.CodePoints c -> {}
            }
        }
    }

    /**
     * A rule that can reach a call of itself without consuming a byte (through calls of rules that may be empty)
     * would push frames forever while computing a closure. Such cycles are among the rules compiled now only:
     * rules compiled earlier cannot call them.
     */
    private static void checkLeftRecursion(RuleDfa[] dfas) {
        Map<RuleDfa, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < dfas.length; i++) {
            index.put(dfas[i], i);
        }
        List<List<Integer>> edges = new ArrayList<>();
        for (RuleDfa d : dfas) {
            List<Integer> to = new ArrayList<>();
            boolean[] seen = new boolean[d.size];
            ArrayDeque<Integer> work = new ArrayDeque<>();
            if (d.dist[0] < INF) {
                work.push(0);
                seen[0] = true;
            }
            while (!work.isEmpty()) {
                int s = work.pop();
                if (d.callees[s] == null) {
                    continue;
                }
                for (int k = 0; k < d.callees[s].length; k++) {
                    RuleDfa callee = d.callees[s][k];
                    Integer j = index.get(callee);
                    if (j != null) {
                        to.add(j);
                    }
                    int ret = d.returns[s][k];
                    if (callee.minLength() == 0 && !seen[ret]) {
                        seen[ret] = true;
                        work.push(ret);
                    }
                }
            }
            edges.add(to);
        }
        int[] color = new int[dfas.length];
        for (int i = 0; i < dfas.length; i++) {
            if (color[i] == 0 && cycleFrom(i, edges, color)) {
                throw new SchemaException("",
                        "left recursion: rule " + dfas[i].rule.name + " can reach itself without producing a byte");
            }
        }
    }

    private static boolean cycleFrom(int i, List<List<Integer>> edges, int[] color) {
        color[i] = 1;
        for (int j : edges.get(i)) {
            if (color[j] == 1 || color[j] == 0 && cycleFrom(j, edges, color)) {
                return true;
            }
        }
        color[i] = 2;
        return false;
    }

    // ---------------------------------------------------------------- NFA

    /** Thompson NFA of one rule: state 0 is the start; {@link #build} returns the accepting state. */
    static final class Nfa {
        private final List<IntList> eps = new ArrayList<>();
        /** Per state: triples lo, hi, target. */
        private final List<IntList> bytes = new ArrayList<>();
        private final List<List<Rule>> callRules = new ArrayList<>();
        private final List<IntList> callTargets = new ArrayList<>();
        private boolean[] important;

        Nfa() {
            newState();
        }

        int size() {
            return eps.size();
        }

        int newState() {
            if (eps.size() >= MAX_NFA_STATES) {
                throw new SchemaException("", "grammar too large (more than " + MAX_NFA_STATES + " NFA states)");
            }
            eps.add(null);
            bytes.add(null);
            callRules.add(null);
            callTargets.add(null);
            return eps.size() - 1;
        }

        private void eps(int from, int to) {
            if (eps.get(from) == null) {
                eps.set(from, new IntList(2));
            }
            eps.get(from).add(to);
        }

        private void range(int from, int lo, int hi, int to) {
            if (bytes.get(from) == null) {
                bytes.set(from, new IntList(3));
            }
            IntList l = bytes.get(from);
            l.add(lo);
            l.add(hi);
            l.add(to);
        }

        private void call(int from, Rule rule, int to) {
            if (callRules.get(from) == null) {
                callRules.set(from, new ArrayList<>(1));
                callTargets.set(from, new IntList(1));
            }
            callRules.get(from).add(rule);
            callTargets.get(from).add(to);
        }

        /** Adds the node's fragment starting at {@code from}; returns its end state. */
        int build(Node node, int from) {
            switch (node) {
                case Node.Bytes b -> {
                    int t = newState();
                    range(from, b.lo(), b.hi(), t);
                    return t;
                }
                case Node.Literal l -> {
                    int cur = from;
                    for (byte b : l.bytes()) {
                        int t = newState();
                        range(cur, b & 0xFF, b & 0xFF, t);
                        cur = t;
                    }
                    return cur;
                }
                case Node.CodePoints c -> {
                    int end = newState();
                    Utf8.sequences(c.set(), seq -> {
                        int cur = from;
                        for (int i = 0; i < seq.length; i += 2) {
                            int t = i + 2 == seq.length ? end : newState();
                            range(cur, seq[i], seq[i + 1], t);
                            cur = t;
                        }
                    });
                    return end;
                }
                case Node.Seq s -> {
                    int cur = from;
                    for (Node p : s.parts()) {
                        cur = build(p, cur);
                    }
                    return cur;
                }
                case Node.Alt a -> {
                    int end = newState();
                    for (Node o : a.options()) {
                        int start = newState();
                        eps(from, start);
                        eps(build(o, start), end);
                    }
                    return end;
                }
                case Node.Call c -> {
                    int t = newState();
                    call(from, c.rule(), t);
                    return t;
                }
                case Node.Repeat r -> {
                    return repeat(r, from);
                }
                case Node.Members m -> {
                    return members(m, from);
                }
            }
        }

        /**
         * One copy of the item per mandatory occurrence and per optional bounded one; an unbounded tail loops
         * through a single copy (so nested arrays of objects do not double at each level).
         */
        private int repeat(Node.Repeat r, int from) {
            if (r.max() == 0) {
                return from;
            }
            Node sep = r.separator();
            int end = newState();
            int cur = from;
            if (r.max() < 0) {
                int chained = Math.max(r.min(), 1) - 1;
                for (int i = 0; i < chained; i++) {
                    if (i > 0 && sep != null) {
                        cur = build(sep, cur);
                    }
                    cur = build(r.item(), cur);
                }
                if (r.min() == 0) {
                    eps(cur, end);
                }
                if (chained > 0 && sep != null) {
                    cur = build(sep, cur);
                }
                int entry = newState();
                eps(cur, entry);
                int exit = build(r.item(), entry);
                eps(exit, end);
                int back = sep != null ? build(sep, exit) : exit;
                eps(back, entry);
                return end;
            }
            for (int i = 0; i < r.max(); i++) {
                if (i >= r.min()) {
                    eps(cur, end);
                }
                if (i > 0 && sep != null) {
                    cur = build(sep, cur);
                }
                cur = build(r.item(), cur);
            }
            eps(cur, end);
            return end;
        }

        /**
         * Two chains of skip states (before and after the first member) walk past optional members; each member
         * is built once and entered either directly (first member) or through the separator.
         */
        private int members(Node.Members m, int from) {
            int n = m.members().size();
            int end = newState();
            int[] skipFirst = new int[n + 1];
            int[] skipNext = new int[n + 1];
            skipFirst[0] = from;
            for (int i = 1; i <= n; i++) {
                skipFirst[i] = newState();
            }
            for (int i = 0; i <= n; i++) {
                skipNext[i] = newState();
            }
            for (int i = 0; i < n; i++) {
                int start = newState();
                eps(skipFirst[i], start);
                int withSep = m.separator() != null ? build(m.separator(), skipNext[i]) : skipNext[i];
                eps(withSep, start);
                eps(build(m.members().get(i), start), skipNext[i + 1]);
                if (!m.required()[i]) {
                    eps(skipFirst[i], skipFirst[i + 1]);
                    eps(skipNext[i], skipNext[i + 1]);
                }
            }
            eps(skipFirst[n], end);
            eps(skipNext[n], end);
            return end;
        }
    }

    // ---------------------------------------------------------------- DFA

    /** A DFA before pruning, with calls still naming rules. */
    record Raw(int size, int classes, int[] byteClass, int[] next, Rule[][] callRules, int[][] callReturns,
               boolean[] accept) {}

    private record Key(int[] states) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(states, k.states);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(states);
        }
    }

    static Raw determinize(Nfa nfa, int acceptState, int maxStates) {
        int nn = nfa.size();
        boolean[] cut = new boolean[257];
        cut[0] = true;
        for (IntList l : nfa.bytes) {
            if (l == null) {
                continue;
            }
            for (int i = 0; i < l.size(); i += 3) {
                cut[l.get(i)] = true;
                cut[l.get(i + 1) + 1] = true;
            }
        }
        int[] byteClass = new int[256];
        int classes = 0;
        for (int b = 0; b < 256; b++) {
            if (cut[b]) {
                classes++;
            }
            byteClass[b] = classes - 1;
        }

        // Only states with edges or the accepting state identify a DFA state: sets that differ in pure epsilon
        // states are the same state.
        boolean[] important = new boolean[nn];
        for (int s = 0; s < nn; s++) {
            important[s] = s == acceptState || nfa.bytes.get(s) != null || nfa.callRules.get(s) != null;
        }
        nfa.important = important;
        int[] mark = new int[nn];
        int[] stamp = {0};
        Map<Key, Integer> ids = new HashMap<>();
        List<int[]> sets = new ArrayList<>() {
            private long total;

            @Override
            public boolean add(int[] set) {
                total += set.length;
                if (total > MAX_SUBSET_STATES) {
                    throw new SchemaException("", "grammar too ambiguous to compile (subset construction exceeds "
                            + MAX_SUBSET_STATES + " states)");
                }
                return super.add(set);
            }
        };
        IntList next = new IntList(1024);
        List<Rule[]> callRules = new ArrayList<>();
        List<int[]> callReturns = new ArrayList<>();
        IntList acceptList = new IntList();

        int[] start = closure(nfa, new int[] {0}, 1, mark, stamp);
        ids.put(new Key(start), 0);
        sets.add(start);
        IntList[] targets = new IntList[classes];
        for (int c = 0; c < classes; c++) {
            targets[c] = new IntList();
        }
        for (int d = 0; d < sets.size(); d++) {
            int[] set = sets.get(d);
            for (IntList t : targets) {
                t.clear();
            }
            Map<Rule, IntList> calls = new LinkedHashMap<>();
            boolean accept = false;
            for (int s : set) {
                accept |= s == acceptState;
                IntList l = nfa.bytes.get(s);
                if (l != null) {
                    for (int i = 0; i < l.size(); i += 3) {
                        for (int c = byteClass[l.get(i)]; c <= byteClass[l.get(i + 1)]; c++) {
                            targets[c].add(l.get(i + 2));
                        }
                    }
                }
                List<Rule> cr = nfa.callRules.get(s);
                if (cr != null) {
                    for (int i = 0; i < cr.size(); i++) {
                        calls.computeIfAbsent(cr.get(i), r -> new IntList(2)).add(nfa.callTargets.get(s).get(i));
                    }
                }
            }
            acceptList.add(accept ? 1 : 0);
            for (int c = 0; c < classes; c++) {
                next.add(targets[c].isEmpty() ? -1 : stateOf(nfa, targets[c], ids, sets, mark, stamp, maxStates));
            }
            if (calls.isEmpty()) {
                callRules.add(null);
                callReturns.add(null);
            } else {
                Rule[] rs = calls.keySet().toArray(new Rule[0]);
                int[] rets = new int[rs.length];
                for (int i = 0; i < rs.length; i++) {
                    rets[i] = stateOf(nfa, calls.get(rs[i]), ids, sets, mark, stamp, maxStates);
                }
                callRules.add(rs);
                callReturns.add(rets);
            }
        }
        int size = sets.size();
        boolean[] accept = new boolean[size];
        for (int i = 0; i < size; i++) {
            accept[i] = acceptList.get(i) != 0;
        }
        return new Raw(size, classes, byteClass, next.toArray(), callRules.toArray(new Rule[0][]),
                callReturns.toArray(new int[0][]), accept);
    }

    private static int stateOf(Nfa nfa, IntList targets, Map<Key, Integer> ids, List<int[]> sets, int[] mark,
                               int[] stamp, int maxStates) {
        int[] set = closure(nfa, targets.toArray(), targets.size(), mark, stamp);
        Key key = new Key(set);
        Integer id = ids.get(key);
        if (id == null) {
            if (sets.size() >= maxStates) {
                throw new SchemaException("", "grammar too large (more than " + MAX_DFA_STATES + " DFA states)");
            }
            id = sets.size();
            ids.put(key, id);
            sets.add(set);
        }
        return id;
    }

    /** Sorted epsilon closure. */
    private static int[] closure(Nfa nfa, int[] seeds, int count, int[] mark, int[] stamp) {
        int st = ++stamp[0];
        IntList out = new IntList(count * 2);
        IntList work = new IntList(count * 2);
        for (int i = 0; i < count; i++) {
            if (mark[seeds[i]] != st) {
                mark[seeds[i]] = st;
                work.add(seeds[i]);
            }
        }
        int[] stack = work.toArray();
        int sp = stack.length;
        while (sp > 0) {
            int s = stack[--sp];
            if (nfa.important[s]) {
                out.add(s);
            }
            IntList e = nfa.eps.get(s);
            if (e == null) {
                continue;
            }
            for (int i = 0; i < e.size(); i++) {
                int t = e.get(i);
                if (mark[t] != st) {
                    mark[t] = st;
                    if (sp == stack.length) {
                        stack = Arrays.copyOf(stack, sp * 2 + 4);
                    }
                    stack[sp++] = t;
                }
            }
        }
        int[] r = out.toArray();
        Arrays.sort(r);
        return r;
    }
}
