package io.djinn.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Collects one sequence's output; the order counter tells which sequence got its first token first. */
final class RecordingSink implements TokenSink {
    static final AtomicLong ORDER = new AtomicLong();

    final List<Integer> tokens = new ArrayList<>();
    final CompletableFuture<FinishReason> done = new CompletableFuture<>();
    final CompletableFuture<Integer> scheduled = new CompletableFuture<>();
    final CompletableFuture<Long> firstTokenOrder = new CompletableFuture<>();
    volatile int cachedPromptTokens = -1;

    @Override
    public void onScheduled(int cachedPromptTokens) {
        this.cachedPromptTokens = cachedPromptTokens;
        scheduled.complete(cachedPromptTokens);
    }

    @Override
    public synchronized boolean onToken(int tokenId, TokenLogprobs logprobs) {
        if (tokens.isEmpty()) {
            firstTokenOrder.complete(ORDER.incrementAndGet());
        }
        tokens.add(tokenId);
        return true;
    }

    @Override
    public void onFinish(FinishReason reason) {
        done.complete(reason);
    }

    @Override
    public void onError(Throwable error) {
        done.completeExceptionally(error);
    }

    synchronized int count() {
        return tokens.size();
    }

    synchronized List<Integer> tokens() {
        return List.copyOf(tokens);
    }

    List<Integer> await() throws Exception {
        done.get(60, TimeUnit.SECONDS);
        return tokens();
    }

    void awaitTokens(int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count() < n && !done.isDone()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no " + n + " tokens within 60 s");
            }
            Thread.sleep(1);
        }
    }
}
