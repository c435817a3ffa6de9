package io.djinn.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * How libtorch's CPU kernels share the cores: the number of intra-op threads and how long its OpenMP threads spin
 * before they sleep while they wait.
 *
 * <p>Why: a decode step of one row is ~150 parallel regions of tens to hundreds of microseconds (the matrix-vector
 * products of 30 layers and the LM head), separated by microseconds of Java and JNI work. Two ways to wait lose:
 * <ul>
 *   <li>Sleeping at once ({@code passive}) makes every region pay a futex wake-up of the other thread: measured on
 *   an idle 2-core VM, a 576 x 960 product took 200 us with sleeping threads and 20 us with spinning ones, and
 *   single-stream decode ran at half the speed (12.4 against 25.4 tokens/s).</li>
 *   <li>Spinning for libgomp's default ~3 ms ({@code active}) keeps a core busy after the step when any other
 *   thread wants it (the JVM's JIT and GC, the HTTP threads, another process on a shared machine); the partner
 *   then waits for a scheduler time slice: on 2 cores under load the 120 layer products of a step took 0.6-2.7 s
 *   with spinning threads and 40-58 ms with sleeping ones.</li>
 * </ul>
 * {@code bounded} (the default) spins about 0.2 ms ({@code GOMP_SPINCOUNT}: 20,000 spins, libgomp counts about
 * 100,000 spins per millisecond): long enough to bridge the gaps inside a step, short enough to give the core back
 * when the step ends or the partner is descheduled. It measured best both idle and beside two busy processes.
 *
 * <p>The thread count defaults to the processors the JVM may use, which respects a container's CPU limit; libtorch's
 * own default counts the host's cores and oversubscribes a pod limited to fewer.
 *
 * <p>The wait policy is read by libgomp when libtorch loads, so {@link #apply} sets {@code OMP_WAIT_POLICY} or
 * {@code GOMP_SPINCOUNT} in the process environment first (unless the user set either; then theirs wins). A process
 * that has already loaded libtorch keeps the policy it started with; the thread count applies at any time. It sets
 * {@code THP_MEM_ALLOC_ENABLE=1} there too (unless the user set it), so libtorch's big CPU buffers lie in huge pages.
 */
public final class CpuThreads {
    private static final Logger LOG = Logger.getLogger(CpuThreads.class);
    /** libtorch's switch for transparent huge pages in its CPU allocator (c10's {@code alloc_cpu}). */
    static final String HUGE_PAGES_VARIABLE = "THP_MEM_ALLOC_ENABLE";

    /** What libtorch's OpenMP threads do while they wait for work. */
    public enum WaitPolicy {
        /** Spin up to the configured spin count, then sleep: fast steps, the core given back soon after. */
        BOUNDED,
        /** Sleep at once: no core burnt while waiting, but every parallel region pays a wake-up. */
        PASSIVE,
        /** libgomp's default (spin about 3 ms at each barrier, then sleep). */
        ACTIVE;

        /** {@code bounded}, {@code passive} or {@code active}, any case. */
        public static WaitPolicy parse(String value, String setting) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        setting + " must be bounded, passive or active, not '" + value + "'");
            }
        }
    }

    /** libgomp spins per wait under {@link WaitPolicy#BOUNDED} unless configured: about 0.2 ms. */
    public static final long DEFAULT_SPIN_COUNT = 20_000;

    private CpuThreads() {}

    /** {@link #apply(int, WaitPolicy, long)} with the default spin count. */
    public static int apply(int threads, WaitPolicy policy) {
        return apply(threads, policy, DEFAULT_SPIN_COUNT);
    }

    /**
     * Sets the wait policy (if libtorch is not loaded yet), loads libtorch and sets its intra-op threads.
     *
     * @param threads 0 for the processors the JVM may use
     * @param spinCount spins per wait under {@link WaitPolicy#BOUNDED} ({@code GOMP_SPINCOUNT})
     * @return the intra-op thread count now in effect
     */
    public static synchronized int apply(int threads, WaitPolicy policy, long spinCount) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all available processors) or more, not " + threads);
        }
        if (spinCount < 0) {
            throw new IllegalArgumentException("spin count must be 0 or more, not " + spinCount);
        }
        Map.Entry<String, String> variable = variableFor(policy, spinCount, System.getenv("OMP_WAIT_POLICY"),
                System.getenv("GOMP_SPINCOUNT"));
        if (variable == null) {
            LOG.debugf("OpenMP wait policy: libgomp's default or the environment's (%s)", policy);
        } else if (libtorchLoaded()) {
            LOG.debugf("libtorch is already loaded: the OpenMP wait policy %s applies from the next start", policy);
        } else {
            setenv(variable.getKey(), variable.getValue());
        }
        if (!libtorchLoaded()) {
            // libtorch's CPU allocator then advises huge pages for buffers of 2 MiB and more (c10 reads the variable
            // at its first allocation; a value the user set wins): each first touch faults once per 2 MiB instead of
            // once per 4 KiB. Folding a SmolLM-sized checkpoint on the 2-core VM measured: weights 2.26-2.43 ->
            // 1.95-2.04 s, ready 0.90x, decode unchanged.
            setenv(HUGE_PAGES_VARIABLE, "1");
        }
        Engine.getEngine("PyTorch"); // loads libtorch (and libgomp, which reads the environment now)
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        if (JniUtils.getNumThreads() != n) {
            JniUtils.setNumThreads(n);
        }
        return JniUtils.getNumThreads();
    }

    /**
     * The variable libgomp should find for this policy, or null for none: {@code active} is libgomp's default (its
     * own ACTIVE would spin without ever sleeping), and a user's {@code OMP_WAIT_POLICY} or {@code GOMP_SPINCOUNT}
     * wins over the setting.
     */
    static Map.Entry<String, String> variableFor(WaitPolicy policy, long spinCount, String envPolicy,
            String envSpinCount) {
        if (policy == WaitPolicy.ACTIVE || envPolicy != null || envSpinCount != null) {
            return null;
        }
        return policy == WaitPolicy.PASSIVE ? Map.entry("OMP_WAIT_POLICY", "PASSIVE")
                : Map.entry("GOMP_SPINCOUNT", Long.toString(spinCount));
    }

    /** Whether libgomp (loaded with libtorch) is in this process already. */
    private static boolean libtorchLoaded() {
        try {
            String maps = Files.readString(Path.of("/proc/self/maps"));
            return maps.contains("libgomp") || maps.contains("libtorch_cpu");
        } catch (Exception e) {
            return false; // not Linux: assume not loaded; setting the variable then is harmless
        }
    }

    /** The process environment's value now (not the JVM's start-up copy that System.getenv reads), or null. */
    static String nativeEnvironment(String name) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle getenv = linker.downcallHandle(linker.defaultLookup().find("getenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            java.lang.foreign.MemorySegment v = (java.lang.foreign.MemorySegment) getenv.invokeExact(
                    arena.allocateFrom(name));
            return v.address() == 0 ? null : v.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable e) {
            // no native access (e.g. a native image without foreign-function support): the start-up copy
            return System.getenv(name);
        }
    }

    private static void setenv(String name, String value) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT));
            // setenv copies both strings, so the arena may free them afterwards
            int status = (int) setenv.invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (status != 0) {
                LOG.infof("could not set %s=%s (setenv returned %d)", name, value, status);
            }
        } catch (Throwable e) {
            // no native access or no setenv (not a POSIX libc): libgomp keeps its default, which only spins
            LOG.infof("could not set %s=%s: %s", name, value, e.toString());
        }
    }
}
