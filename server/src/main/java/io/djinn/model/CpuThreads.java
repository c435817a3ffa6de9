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
import org.jboss.logging.Logger;

/**
 * How libtorch's CPU kernels share the cores: the number of intra-op threads and whether its OpenMP threads spin or
 * sleep while they wait.
 *
 * <p>Why: a decode step of one row is ~150 parallel regions of a few hundred microseconds (the matrix-vector
 * products of 30 layers and the LM head). By default libgomp's threads spin at every region's end barrier. When any
 * other thread wants a core (the JVM's JIT and GC, the HTTP threads, another process on a shared machine), the
 * spinning thread keeps its core while its partner waits to be scheduled, and each region then lasts a scheduler
 * time slice instead of microseconds: measured on 2 cores with other work running, the 120 layer products of a step
 * took 0.6-2.7 s with spinning threads and 40-58 ms with sleeping ones (one thread: 115-140 ms). That is the 1.8x
 * run-to-run swing of single-stream decode. {@code passive} (the default) makes them sleep; {@code active} is
 * libgomp's own behaviour.
 *
 * <p>The thread count defaults to the processors the JVM may use, which respects a container's CPU limit; libtorch's
 * own default counts the host's cores and oversubscribes a pod limited to fewer.
 *
 * <p>The wait policy is read by libgomp when libtorch loads, so {@link #apply} sets {@code OMP_WAIT_POLICY} in the
 * process environment first (unless the user set it; then theirs wins). A process that has already loaded libtorch
 * keeps the policy it started with; the thread count applies at any time.
 */
public final class CpuThreads {
    private static final Logger LOG = Logger.getLogger(CpuThreads.class);

    /** What libtorch's OpenMP threads do while they wait for work. */
    public enum WaitPolicy {
        /** Sleep at once: no core burnt while waiting, steady under contention. */
        PASSIVE,
        /**
         * libgomp's default (spin a while at each barrier, then sleep): slightly lower latency on an idle machine.
         */
        ACTIVE;

        /** {@code passive} or {@code active}, any case. */
        public static WaitPolicy parse(String value, String setting) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(setting + " must be passive or active, not '" + value + "'");
            }
        }
    }

    private CpuThreads() {}

    /**
     * Sets the wait policy (if libtorch is not loaded yet), loads libtorch and sets its intra-op threads.
     *
     * @param threads 0 for the processors the JVM may use
     * @return the intra-op thread count now in effect
     */
    public static synchronized int apply(int threads, WaitPolicy policy) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (all available processors) or more, not " + threads);
        }
        String env = System.getenv("OMP_WAIT_POLICY");
        if (policy == WaitPolicy.ACTIVE) {
            // libgomp's default needs no variable (its own ACTIVE would spin without ever sleeping)
            LOG.debug("OpenMP wait policy left at libgomp's default");
        } else if (env != null) {
            LOG.debugf("OMP_WAIT_POLICY=%s from the environment is kept", env);
        } else if (libtorchLoaded()) {
            LOG.debugf("libtorch is already loaded: the OpenMP wait policy %s applies from the next start", policy);
        } else {
            setenv("OMP_WAIT_POLICY", policy.name());
        }
        Engine.getEngine("PyTorch"); // loads libtorch (and libgomp, which reads the environment now)
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        if (JniUtils.getNumThreads() != n) {
            JniUtils.setNumThreads(n);
        }
        return JniUtils.getNumThreads();
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
