package io.djinn.engine;

import ai.djl.ndarray.NDManager;
import io.djinn.model.CausalLM;
import io.djinn.model.KvCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The engine loop: one thread owns the model and its KV cache. Each step it drops cancelled and timed-out
 * sequences, admits waiting ones into free cache slots (priority first, preempting a default sequence for a
 * priority one when the batch is full, reusing cached prefixes), then runs the {@link StepPlan} in one forward
 * call: a token for every decoding sequence and prompt chunks up to the step's token budget. Sequences
 * leave the batch the step they finish or are cancelled.
 */
public final class InferenceEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InferenceEngine.class);

    private final CausalLM model;
    private final KvCache cache;
    private final EngineSettings settings;
    private final EngineListener listener;
    private final Sampler sampler = new Sampler();
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final Scheduler scheduler;
    private final AtomicLong ids = new AtomicLong();
    /** Sequences submitted but never scheduled yet: the bounded queue. */
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile int runningCount;
    private volatile int waitingCount;
    private volatile long steps;
    private final NDManager stepManager;

    public InferenceEngine(CausalLM model, NDManager parent, int maxSequences, int maxContext, int prefillChunk) {
        this(model, parent, EngineSettings.of(maxSequences, maxContext, prefillChunk), EngineListener.NONE);
    }

    public InferenceEngine(CausalLM model, NDManager parent, EngineSettings settings, EngineListener listener) {
        this.model = model;
        this.settings = settings;
        this.listener = listener;
        this.cache = model.allocateCache(settings.maxSequences(), settings.maxContext());
        this.stepManager = parent;
        this.scheduler = new Scheduler(new PrefixCache(settings.maxSequences(), settings.maxContext()), cache,
                settings);
        this.thread = Thread.ofPlatform().name("djinn-engine").daemon().unstarted(this::loop);
        thread.start();
    }

    public int maxContext() {
        return settings.maxContext();
    }

    public long cacheBytes() {
        return cache.bytes();
    }

    public EngineSettings settings() {
        return settings;
    }

    /** Sequences holding a cache slot (as of the last step). */
    public int running() {
        return runningCount;
    }

    /** Sequences waiting for a slot, including preempted ones. */
    public int waiting() {
        return waitingCount + incoming.size();
    }

    /** Fraction of KV-cache slots in use. */
    public double cacheUsage() {
        return (double) runningCount / settings.maxSequences();
    }

    /** Engine steps run so far. */
    public long steps() {
        return steps;
    }

    /**
     * Queues a sequence. The prompt plus at least one generated token must fit in the context window; the caller
     * checks that (it owns the error message).
     *
     * @throws EngineOverloadedException when {@link EngineSettings#maxWaiting()} sequences already wait
     */
    public GenerationHandle submit(int[] prompt, SamplingParams params, Priority priority, TokenSink sink) {
        if (prompt.length == 0 || prompt.length >= settings.maxContext()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit a context of "
                    + settings.maxContext());
        }
        if (stopping) {
            throw new IllegalStateException("engine is shut down");
        }
        if (queued.incrementAndGet() > settings.maxWaiting()) {
            queued.decrementAndGet();
            listener.rejected();
            throw new EngineOverloadedException("The server is overloaded: " + settings.maxWaiting()
                    + " requests are already waiting. Retry shortly.", settings.retryAfterSeconds());
        }
        Sequence seq = new Sequence(ids.incrementAndGet(), prompt.clone(), params, priority, sink);
        incoming.add(seq);
        return seq;
    }

    private void loop() {
        List<Sequence> drained = new ArrayList<>();
        while (!stopping) {
            try {
                if (scheduler.idle()) {
                    Sequence next = incoming.poll(200, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        scheduler.enqueue(next);
                    }
                }
                incoming.drainTo(drained);
                drained.forEach(scheduler::enqueue);
                drained.clear();
                for (Sequence s : scheduler.dropCancelled()) {
                    if (!s.everScheduled) {
                        queued.decrementAndGet();
                    }
                    finish(s, FinishReason.ABORT, null);
                }
                for (Scheduler.Admission a : scheduler.admit()) {
                    onAdmitted(a);
                }
                // only after admission: a request that could get a slot now is never refused for a slow step
                for (Sequence s : scheduler.expire(System.nanoTime())) {
                    queued.decrementAndGet();
                    listener.rejected();
                    fail(s, new EngineOverloadedException("The request waited " + settings.queueTimeout().toSeconds()
                            + " s for capacity and was dropped. Retry shortly.", settings.retryAfterSeconds()));
                }
                runningCount = scheduler.runningCount();
                waitingCount = scheduler.waitingCount();
                StepPlan plan = scheduler.plan();
                if (!plan.isEmpty()) {
                    step(plan);
                    steps++;
                    listener.stepped(plan.decodes().size(), plan.tokens() - plan.decodes().size());
                    runningCount = scheduler.runningCount();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Throwable t) {
                // A failed step poisons only the sequences it ran; the loop keeps serving new ones.
                LOG.error("engine step failed", t);
                for (Sequence s : scheduler.runningSnapshot()) {
                    scheduler.forgetSlot(s);
                    listener.failed();
                    fail(s, t);
                }
            }
        }
        IllegalStateException down = new IllegalStateException("engine shut down");
        for (Sequence s : scheduler.runningSnapshot()) {
            fail(s, down);
        }
        for (Sequence s : scheduler.drainWaiting()) {
            fail(s, down);
        }
        for (Sequence s : incoming) {
            fail(s, down);
        }
    }

    private void onAdmitted(Scheduler.Admission a) {
        Sequence s = a.sequence();
        if (a.preempted() != null) {
            listener.preempted();
            LOG.debugf("sequence %d preempted for priority sequence %d", a.preempted().id, s.id);
        }
        if (!s.everScheduled) {
            s.everScheduled = true;
            queued.decrementAndGet();
            listener.scheduled((System.nanoTime() - s.enqueuedNanos) / 1e9, s.prompt.length, s.cached);
            try {
                s.sink.onScheduled(s.cached);
            } catch (RuntimeException e) {
                LOG.warn("token sink failed on schedule of sequence " + s.id, e);
                s.cancel();
            }
        }
    }

    /**
     * Feeds the whole plan in one forward call, decode rows first and prompt chunks after them: the model packs
     * the rows' tokens, so a new prompt rides along with the running decodes instead of costing a second pass over
     * the weights that stalls every stream. The sampling of the rows that produce a token is worked out first, so
     * that its parameters travel with the step's one host-to-device copy, and the step ends with one
     * device-to-host copy of the chosen tokens.
     */
    private void step(StepPlan plan) {
        try (NDManager scope = stepManager.newSubManager()) {
            List<Sequence> decoding = plan.decodes();
            List<StepPlan.Chunk> chunks = plan.prefills();
            int d = decoding.size();
            int n = d + chunks.size();
            int[] slots = new int[n];
            int[][] tokens = new int[n][];
            int[] starts = new int[n];
            List<Sequence> next = new ArrayList<>(decoding);
            int[] logitRows = new int[n];
            int sampled = 0;
            for (int i = 0; i < d; i++) {
                Sequence s = decoding.get(i);
                slots[i] = s.slot;
                tokens[i] = new int[] {s.lastToken};
                starts[i] = s.cached;
                logitRows[sampled++] = i;
            }
            for (int i = d; i < n; i++) {
                StepPlan.Chunk c = chunks.get(i - d);
                Sequence s = c.sequence();
                slots[i] = s.slot;
                tokens[i] = c.tokens();
                starts[i] = c.start();
                // a fresh prompt's last chunk yields its first token; a resumed sequence goes on decoding
                if (s.generated == 0 && c.start() + c.tokens().length >= s.prefillTarget()) {
                    next.add(s);
                    logitRows[sampled++] = i;
                }
            }
            Sampler.Prepared sampling = next.isEmpty() ? null : prepareSampling(next);
            float[] params = sampling == null ? new float[0] : sampling.deviceParams();
            CausalLM.StepOutput out = model.step(scope, cache, slots, tokens, starts,
                    java.util.Arrays.copyOf(logitRows, sampled), params.length == 0 ? null : params);
            for (int i = 0; i < n; i++) {
                Sequence s = i < d ? decoding.get(i) : chunks.get(i - d).sequence();
                scheduler.written(s, starts[i], tokens[i]);
            }
            if (sampling != null) {
                emit(sampler.sample(scope, out.logits(), sampling, out.extra()), next);
            }
        }
    }

    /** The sampling rows of the sequences that get a token this step; draws each one's uniform. */
    private Sampler.Prepared prepareSampling(List<Sequence> batch) {
        List<Sampler.Row> rows = new ArrayList<>(batch.size());
        float[] uniforms = new float[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            rows.add(s.samplingRow(settings.maxContext()));
            // Drawn for greedy rows too, so a sequence's random stream does not depend on its temperature history.
            uniforms[i] = (float) s.random.nextDouble();
        }
        return sampler.prepare(rows, uniforms, model.config().vocabSize());
    }

    private void emit(Sampler.Result next, List<Sequence> batch) {
        long now = System.nanoTime();
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            int token = next.tokens()[i];
            s.recordOutput(token);
            if (s.constraint != null) {
                s.constraint.accept(token);
            }
            if (s.generated == 1) {
                s.firstTokenNanos = now;
                listener.firstToken((now - s.enqueuedNanos) / 1e9);
            } else {
                listener.interToken((now - s.lastTokenNanos) / 1e9);
            }
            s.lastTokenNanos = now;
            boolean goOn;
            try {
                goOn = s.sink.onToken(token, next.logprobs()[i]);
            } catch (RuntimeException e) {
                LOG.warn("token sink failed; cancelling sequence " + s.id, e);
                s.cancel();
                goOn = true;
            }
            if (!goOn || s.params.isStopToken(token) || (s.constraint != null && s.constraint.isComplete())) {
                finish(s, FinishReason.STOP, null);
            } else if (s.generated >= s.params.maxTokens() || s.length() >= settings.maxContext()) {
                finish(s, FinishReason.LENGTH, null);
            }
        }
    }

    private void finish(Sequence s, FinishReason reason, Throwable error) {
        scheduler.remove(s);
        if (error == null) {
            listener.finished(reason, s.generated, (System.nanoTime() - s.enqueuedNanos) / 1e9);
        }
        try {
            if (error != null) {
                s.sink.onError(error);
            } else {
                s.sink.onFinish(reason);
            }
        } catch (RuntimeException e) {
            LOG.warn("token sink failed on finish of sequence " + s.id, e);
        }
    }

    private void fail(Sequence s, Throwable error) {
        finish(s, null, error);
    }

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            // a step still runs on the cache: closing it under the step could free (or unmap) memory it reads
            LOG.warn("engine loop still running after 30 s; leaving its KV cache and step memory allocated");
            return;
        }
        cache.close();
        stepManager.close();
    }
}
