package io.djinn.ratelimit;

import io.djinn.auth.Caller;
import io.djinn.engine.TextEvent;
import io.smallrye.mutiny.Multi;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * An admitted request's hold on its key's budget. It is settled exactly once: to the engine's final counts when the
 * generation finishes, or to the prompt plus the tokens streamed so far when it is cancelled or fails, or to nothing
 * when {@link #release()} is called because generation never started.
 */
public final class Reservation {

    private final Caller caller;
    private final String model;
    private final String serviceTier;
    private final String leaseId;
    private final int promptTokens;
    private final int reservedTokens;
    private final boolean limitsTaken;
    private final Map<String, List<String>> headers;
    private final Consumer<Settlement> settler;
    private final AtomicBoolean settled = new AtomicBoolean();

    /** What a settlement hands to the limiter. */
    record Settlement(Caller caller, String leaseId, int reservedTokens, int usedTokens, Usage usage) {}

    Reservation(Caller caller, String model, String serviceTier, String leaseId, int promptTokens, int reservedTokens,
            boolean limitsTaken, Map<String, List<String>> headers, Consumer<Settlement> settler) {
        this.caller = caller;
        this.model = model;
        this.serviceTier = serviceTier;
        this.leaseId = leaseId;
        this.promptTokens = promptTokens;
        this.reservedTokens = reservedTokens;
        this.limitsTaken = limitsTaken;
        this.headers = headers;
        this.settler = settler;
    }

    /** The x-ratelimit-* headers the response carries (empty when the key has no limits or Redis was down). */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** Settles this reservation when {@code events} terminates: completed, failed or cancelled. */
    public Multi<TextEvent> track(Multi<TextEvent> events) {
        return track(List.of(events)).getFirst();
    }

    /**
     * Settles this reservation once every choice of a request has terminated (completed, failed or cancelled), to the
     * sum of their output: a choice that finished counts the engine's final figure, one that did not counts the
     * tokens it streamed.
     */
    public List<Multi<TextEvent>> track(List<Multi<TextEvent>> choices) {
        AtomicInteger open = new AtomicInteger(choices.size());
        AtomicInteger completion = new AtomicInteger();
        AtomicInteger cached = new AtomicInteger();
        AtomicBoolean anyFinished = new AtomicBoolean();
        List<Multi<TextEvent>> tracked = new java.util.ArrayList<>(choices.size());
        for (Multi<TextEvent> choice : choices) {
            AtomicInteger streamed = new AtomicInteger();
            AtomicReference<TextEvent.Finished> finished = new AtomicReference<>();
            tracked.add(choice.onItem().invoke(e -> {
                if (e instanceof TextEvent.Delta d) {
                    streamed.addAndGet(d.tokenIds().length);
                } else if (e instanceof TextEvent.Finished f) {
                    finished.set(f);
                }
            }).onTermination().invoke(() -> {
                TextEvent.Finished f = finished.get();
                if (f != null) {
                    anyFinished.set(true);
                    completion.addAndGet(f.completionTokens());
                    cached.accumulateAndGet(f.cachedTokens(), Math::max);
                } else {
                    completion.addAndGet(streamed.get());
                }
                if (open.decrementAndGet() == 0) {
                    settle(promptTokens, completion.get(), anyFinished.get() ? cached.get() : 0);
                }
            }));
        }
        return tracked;
    }

    /** Generation never started (the request failed before it): nothing was used. */
    public void release() {
        settle(0, 0, 0);
    }

    void settle(int prompt, int completion, int cached) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        int used = prompt + completion;
        Usage usage = new Usage(LocalDate.now(Clock.systemUTC()), model, serviceTier, prompt, completion, cached);
        // Without limits taken at admission (Redis was down, fail-open) there is nothing to correct: reserved = used.
        settler.accept(new Settlement(caller, leaseId, limitsTaken ? reservedTokens : used, used, usage));
    }
}
