package io.djinn.serving;

import io.djinn.engine.EngineListener;
import io.djinn.engine.FinishReason;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.TextEvent;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * One short generation through the serving path (chat template, tokenizer, engine, a prefill and a decode step,
 * sampling, detokenizing) before readiness turns UP, so that the first request after "ready" does not pay for what
 * libtorch, Jinjava and the JIT do the first time. It runs with the engine's metrics muted ({@link Listener}) and
 * with a prompt too short to leave a reusable prefix-cache block behind, so clients never see it.
 */
final class Warmup {
    private static final Logger LOG = Logger.getLogger(Warmup.class);
    /** Prompt plus generated tokens stay under the prefix cache's block (16 tokens): nothing reusable remains. */
    static final int MAX_PROMPT_TOKENS = 10;
    static final int GENERATED_TOKENS = 3;
    private static final Duration LIMIT = Duration.ofMinutes(2);

    private Warmup() {}

    /** Runs the warm-up generation; a failure is logged and otherwise ignored (it is only a warm-up). */
    static void run(ServedModel model, Listener listener) {
        listener.mute(true);
        try {
            int[] prompt = prompt(model);
            SamplingParams params = SamplingParams.builder().maxTokens(GENERATED_TOKENS).ignoreEos(true).build();
            List<TextEvent> events = model.generate(prompt, params, Priority.DEFAULT).collect().asList()
                    .await().atMost(LIMIT);
            if (events.isEmpty() || !(events.getLast() instanceof TextEvent.Finished f)
                    || f.reason() == FinishReason.ABORT) {
                LOG.warnf("Warm-up generation ended unexpectedly: %s", events);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Warm-up generation failed (the first request will be slower): %s", e.toString());
        } finally {
            listener.unmuteAfterLastStep();
        }
    }

    /** The chat template's rendering of a one-word conversation (Jinjava's first render), cut short. */
    static int[] prompt(ServedModel model) {
        String text;
        try {
            text = model.chatTemplate() == null ? "Hello"
                    : model.chatTemplate().render(List.of(Map.of("role", "user", "content", "Hello")), null, true,
                            null);
        } catch (RuntimeException e) {
            text = "Hello";
        }
        int[] ids = model.tokenizer().encode(text);
        if (ids.length == 0) {
            ids = new int[] {0};
        }
        return Arrays.copyOf(ids, Math.min(ids.length, MAX_PROMPT_TOKENS));
    }

    /** The engine's listener: passes events on to the metrics except while the warm-up runs. */
    static final class Listener implements EngineListener {
        private final EngineListener target;
        private volatile boolean muted;
        private volatile boolean finishedWhileMuted;
        /** Released by the engine's step report that follows the warm-up's finish (same engine loop turn). */
        private final java.util.concurrent.CountDownLatch settled = new java.util.concurrent.CountDownLatch(1);

        Listener(EngineListener target) {
            this.target = target;
        }

        void mute(boolean muted) {
            this.muted = muted;
        }

        /**
         * Unmutes once the engine reported the step in which the warm-up sequence finished: the stream completes
         * on a worker thread, possibly before the engine thread gets to that report.
         */
        void unmuteAfterLastStep() {
            try {
                if (finishedWhileMuted) {
                    settled.await(5, java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                muted = false;
            }
        }

        @Override
        public void scheduled(double queueSeconds, int promptTokens, int cachedTokens) {
            if (!muted) {
                target.scheduled(queueSeconds, promptTokens, cachedTokens);
            }
        }

        @Override
        public void firstToken(double secondsSinceSubmit) {
            if (!muted) {
                target.firstToken(secondsSinceSubmit);
            }
        }

        @Override
        public void interToken(double seconds) {
            if (!muted) {
                target.interToken(seconds);
            }
        }

        @Override
        public void finished(FinishReason reason, int generatedTokens, double secondsSinceSubmit) {
            if (!muted) {
                target.finished(reason, generatedTokens, secondsSinceSubmit);
            } else {
                finishedWhileMuted = true;
            }
        }

        @Override
        public void rejected() {
            if (!muted) {
                target.rejected();
            }
        }

        @Override
        public void preempted() {
            if (!muted) {
                target.preempted();
            }
        }

        @Override
        public void failed() {
            if (!muted) {
                target.failed();
            }
        }

        @Override
        public void stepped(int decodeRows, int promptTokens) {
            if (!muted) {
                target.stepped(decodeRows, promptTokens);
            } else if (finishedWhileMuted) {
                settled.countDown();
            }
        }
    }
}
