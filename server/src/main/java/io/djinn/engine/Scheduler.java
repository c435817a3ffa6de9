package io.djinn.engine;

import io.djinn.model.KvCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Who runs and what each step feeds; engine thread only.
 *
 * <ul>
 *   <li>Waiting: two FIFO queues, priority before default. Preempted sequences go back to the front of theirs.
 *   <li>Admission: while a slot is free. When none is and a priority sequence waits, the default sequence admitted
 *       last is preempted: it leaves its slot (whose content stays in the prefix cache) and later prefills its
 *       prompt and output again.
 *   <li>Plan: every decoding sequence feeds one token; the rest of the step's token budget goes to prompt chunks in
 *       admission order (at most {@code prefillChunk} per sequence), so long prompts never stall decodes and short
 *       prompts that arrive together prefill together.
 *   <li>Short prompts first: when the step's prompt chunks total at most {@code prefillFirstTokens}, they get the
 *       step to themselves and the decodes wait for the next one. Where a step's cost grows with its rows (a CPU:
 *       each row is compute on top of one pass over the weights), a prompt riding with 16 decodes gets its first
 *       token after all of their work as well; alone, it is out in about the time a decode step takes. Never two
 *       such steps in a row, so a running stream waits at most one extra step however many prompts arrive.
 * </ul>
 */
final class Scheduler {
    private final PrefixCache prefixes;
    private final KvCache cache;
    private final EngineSettings settings;
    private final Deque<Sequence> waitingHigh = new ArrayDeque<>();
    private final Deque<Sequence> waitingDefault = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long admissions;
    private boolean lastStepPromptsOnly;

    /** A sequence entered a slot, possibly by preempting another. */
    record Admission(Sequence sequence, Sequence preempted) {}

    Scheduler(PrefixCache prefixes, KvCache cache, EngineSettings settings) {
        this.prefixes = prefixes;
        this.cache = cache;
        this.settings = settings;
    }

    boolean idle() {
        return running.isEmpty() && waitingHigh.isEmpty() && waitingDefault.isEmpty();
    }

    int runningCount() {
        return running.size();
    }

    int waitingCount() {
        return waitingHigh.size() + waitingDefault.size();
    }

    List<Sequence> runningSnapshot() {
        return List.copyOf(running);
    }

    void enqueue(Sequence s) {
        (s.priority == Priority.HIGH ? waitingHigh : waitingDefault).addLast(s);
    }

    /** Removes cancelled sequences, waiting or running, and returns them. */
    List<Sequence> dropCancelled() {
        List<Sequence> out = new ArrayList<>();
        for (Deque<Sequence> q : List.of(waitingHigh, waitingDefault)) {
            for (Iterator<Sequence> it = q.iterator(); it.hasNext();) {
                Sequence s = it.next();
                if (s.cancelled()) {
                    it.remove();
                    out.add(s);
                }
            }
        }
        for (Sequence s : running) {
            if (s.cancelled()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Removes never-scheduled sequences that waited past the queue timeout, and returns them. */
    List<Sequence> expire(long nowNanos) {
        long limit = settings.queueTimeout().toNanos();
        List<Sequence> out = new ArrayList<>();
        for (Deque<Sequence> q : List.of(waitingHigh, waitingDefault)) {
            for (Iterator<Sequence> it = q.iterator(); it.hasNext();) {
                Sequence s = it.next();
                if (!s.everScheduled && nowNanos - s.enqueuedNanos > limit) {
                    it.remove();
                    out.add(s);
                }
            }
        }
        return out;
    }

    List<Admission> admit() {
        List<Admission> out = new ArrayList<>();
        while (!waitingHigh.isEmpty() || !waitingDefault.isEmpty()) {
            Sequence next = !waitingHigh.isEmpty() ? waitingHigh.peekFirst() : waitingDefault.peekFirst();
            Sequence preempted = null;
            if (!prefixes.hasFree()) {
                if (next.priority != Priority.HIGH || (preempted = victim()) == null) {
                    break;
                }
                preempt(preempted);
            }
            (next.priority == Priority.HIGH ? waitingHigh : waitingDefault).pollFirst();
            place(next);
            out.add(new Admission(next, preempted));
        }
        return out;
    }

    /** The default sequence admitted last: it has the least work to redo. */
    private Sequence victim() {
        Sequence v = null;
        for (Sequence s : running) {
            if (s.priority == Priority.DEFAULT && (v == null || s.admittedOrder > v.admittedOrder)) {
                v = s;
            }
        }
        return v;
    }

    private void preempt(Sequence s) {
        running.remove(s);
        prefixes.release(s.slot);
        s.slot = -1;
        s.cached = 0;
        s.preemptions++;
        waitingDefault.addFirst(s);
    }

    private void place(Sequence s) {
        PrefixCache.Lease lease = prefixes.acquire(s);
        if (lease.copyFrom() >= 0) {
            cache.copyPrefix(lease.copyFrom(), lease.slot(), lease.reused());
        }
        s.slot = lease.slot();
        s.cached = lease.reused();
        s.admittedOrder = ++admissions;
        running.add(s);
    }

    StepPlan plan() {
        List<Sequence> decodes = new ArrayList<>();
        List<StepPlan.Chunk> prefills = new ArrayList<>();
        for (Sequence s : running) {
            if (!s.prefilling()) {
                decodes.add(s);
            }
        }
        // in slot order, so that the model reads runs of consecutive slots as slices instead of gathering them
        decodes.sort(java.util.Comparator.comparingInt(s -> s.slot));
        int budget = settings.maxBatchedTokens() - decodes.size();
        for (Sequence s : running) {
            if (!s.prefilling()) {
                continue;
            }
            int n = Math.min(Math.min(settings.prefillChunk(), s.prefillTarget() - s.cached), budget);
            if (n <= 0) {
                if (prefills.isEmpty()) {
                    n = 1;   // a budget smaller than the batch still lets prompts advance
                } else {
                    break;
                }
            }
            prefills.add(new StepPlan.Chunk(s, s.cached, s.tokens(s.cached, s.cached + n)));
            budget -= n;
        }
        int promptTokens = settings.maxBatchedTokens() - decodes.size() - budget;
        boolean promptsFirst = !prefills.isEmpty() && !decodes.isEmpty() && !lastStepPromptsOnly
                && promptTokens <= settings.prefillFirstTokens();
        lastStepPromptsOnly = promptsFirst;
        return new StepPlan(promptsFirst ? List.of() : decodes, prefills);
    }

    /** The step wrote {@code tokens} at {@code start..} of the sequence's slot. */
    void written(Sequence s, int start, int[] tokens) {
        prefixes.written(s.slot, start, tokens);
        s.cached = start + tokens.length;
    }

    /** Takes a sequence out of the batch or the queue (finished, cancelled, failed). */
    void remove(Sequence s) {
        if (running.remove(s)) {
            prefixes.release(s.slot);
        } else {
            waitingHigh.remove(s);
            waitingDefault.remove(s);
        }
    }

    void forgetSlot(Sequence s) {
        if (s.slot >= 0) {
            prefixes.forget(s.slot);
        }
    }

    List<Sequence> drainWaiting() {
        List<Sequence> out = new ArrayList<>(waitingHigh);
        out.addAll(waitingDefault);
        waitingHigh.clear();
        waitingDefault.clear();
        return out;
    }
}
