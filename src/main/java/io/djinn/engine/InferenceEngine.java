package io.djinn.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.djinn.model.CausalLM;
import io.djinn.model.KvCache;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The engine loop: one thread owns the model and its KV cache. Each step it admits waiting sequences into free
 * cache slots, prefills at most one prompt chunk (so long prompts never stall running decodes for long), and
 * decodes every running sequence together in one batched forward pass. Sequences leave the batch the step they
 * finish or are cancelled.
 */
public final class InferenceEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InferenceEngine.class);

    private final CausalLM model;
    private final KvCache cache;
    private final int maxContext;
    private final int prefillChunk;
    private final Sampler sampler = new Sampler();
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final Deque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private final Deque<Integer> freeSlots = new ArrayDeque<>();
    private final AtomicLong ids = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private final NDManager stepManager;

    public InferenceEngine(CausalLM model, NDManager parent, int maxSequences, int maxContext, int prefillChunk) {
        this.model = model;
        this.maxContext = maxContext;
        this.prefillChunk = prefillChunk;
        this.cache = model.allocateCache(maxSequences, maxContext);
        this.stepManager = parent;
        for (int s = 0; s < maxSequences; s++) {
            freeSlots.add(s);
        }
        this.thread = Thread.ofPlatform().name("djinn-engine").daemon().unstarted(this::loop);
        thread.start();
    }

    public int maxContext() {
        return maxContext;
    }

    public long cacheBytes() {
        return cache.bytes();
    }

    /**
     * Queues a sequence. The prompt plus at least one generated token must fit in the context window; the caller
     * checks that (it owns the error message).
     */
    public GenerationHandle submit(int[] prompt, SamplingParams params, Priority priority, TokenSink sink) {
        if (prompt.length == 0 || prompt.length >= maxContext) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit a context of "
                    + maxContext);
        }
        if (stopping) {
            throw new IllegalStateException("engine is shut down");
        }
        Sequence seq = new Sequence(ids.incrementAndGet(), prompt.clone(), params, priority, sink);
        incoming.add(seq);
        return seq;
    }

    private void loop() {
        while (!stopping) {
            try {
                if (running.isEmpty() && waiting.isEmpty()) {
                    Sequence next = incoming.poll(200, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        waiting.add(next);
                    }
                }
                incoming.drainTo(waiting);
                retireCancelled();
                admit();
                if (!running.isEmpty()) {
                    step();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Throwable t) {
                // A failed step poisons only the sequences it ran; the loop keeps serving new ones.
                LOG.error("engine step failed", t);
                for (Sequence s : List.copyOf(running)) {
                    finish(s, null, t);
                }
            }
        }
        for (Sequence s : List.copyOf(running)) {
            finish(s, null, new IllegalStateException("engine shut down"));
        }
        for (Sequence s : waiting) {
            s.sink.onError(new IllegalStateException("engine shut down"));
        }
    }

    private void retireCancelled() {
        waiting.removeIf(Sequence::cancelled);
        for (Sequence s : List.copyOf(running)) {
            if (s.cancelled()) {
                finish(s, FinishReason.ABORT, null);
            }
        }
    }

    private void admit() {
        while (!freeSlots.isEmpty() && !waiting.isEmpty()) {
            Sequence s = waiting.poll();
            s.slot = freeSlots.poll();
            running.add(s);
            s.sink.onScheduled(0);
        }
    }

    private void step() {
        try (NDManager scope = stepManager.newSubManager()) {
            Sequence prefill = null;
            for (Sequence s : running) {
                if (s.prefilling()) {
                    prefill = s;
                    break;
                }
            }
            if (prefill != null) {
                int end = Math.min(prefill.prompt.length, prefill.cached + prefillChunk);
                int[] chunk = Arrays.copyOfRange(prefill.prompt, prefill.cached, end);
                NDArray logits = model.forward(scope, cache, new int[] {prefill.slot}, new int[][] {chunk},
                        new int[] {prefill.cached}, false);
                prefill.cached = end;
                if (!prefill.prefilling()) {
                    sampleAndEmit(scope, logits, List.of(prefill));
                }
            }
            List<Sequence> decoding = new ArrayList<>();
            for (Sequence s : running) {
                if (!s.prefilling() && s.lastToken >= 0 && s != prefill) {
                    decoding.add(s);
                }
            }
            if (!decoding.isEmpty()) {
                int n = decoding.size();
                int[] slots = new int[n];
                int[][] tokens = new int[n][];
                int[] positions = new int[n];
                for (int i = 0; i < n; i++) {
                    Sequence s = decoding.get(i);
                    slots[i] = s.slot;
                    tokens[i] = new int[] {s.lastToken};
                    positions[i] = s.cached;
                }
                NDArray logits = model.forward(scope, cache, slots, tokens, positions, false);
                for (Sequence s : decoding) {
                    s.cached++;
                }
                sampleAndEmit(scope, logits, decoding);
            }
        }
    }

    private void sampleAndEmit(NDManager scope, NDArray logits, List<Sequence> batch) {
        List<Sampler.Row> rows = new ArrayList<>(batch.size());
        float[] uniforms = new float[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            rows.add(s.samplingRow());
            // Drawn for greedy rows too, so a sequence's random stream does not depend on its temperature history.
            uniforms[i] = (float) s.random.nextDouble();
        }
        Sampler.Result next = sampler.sample(scope, logits, rows, uniforms);
        for (int i = 0; i < batch.size(); i++) {
            Sequence s = batch.get(i);
            int token = next.tokens()[i];
            s.recordOutput(token);
            boolean goOn;
            try {
                goOn = s.sink.onToken(token, next.logprobs()[i]);
            } catch (RuntimeException e) {
                LOG.warn("token sink failed; cancelling sequence " + s.id, e);
                s.cancel();
                goOn = true;
            }
            if (!goOn || s.params.isStopToken(token)) {
                finish(s, FinishReason.STOP, null);
            } else if (s.generated >= s.params.maxTokens() || s.cached >= maxContext) {
                finish(s, FinishReason.LENGTH, null);
            }
        }
    }

    private void finish(Sequence s, FinishReason reason, Throwable error) {
        if (running.remove(s)) {
            freeSlots.add(s.slot);
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

    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cache.close();
        stepManager.close();
    }
}
