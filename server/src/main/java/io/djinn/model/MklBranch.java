package io.djinn.model;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.jboss.logging.Logger;

/**
 * Puts the MKL that libtorch links statically on its "conditional numerical reproducibility" AUTO branch. On this
 * project's AMD EPYC machines MKL's default dispatch picks slow small-M SGEMM kernels: the batched decode GEMMs of a
 * 135M model (30 layers, M = 4..32 rows) ran 1.3-1.9x faster on the AUTO branch (M=4: 45 → 25 ms, M=16: 48 → 37 ms,
 * M=32: 66 → 53 ms per pass; M=1 unchanged), and results become run-to-run reproducible as a bonus. That is the
 * difference between a batch of 16 costing 2x one row or 1.5x. It is what {@code MKL_CBWR=AUTO} does, set from
 * inside the JVM because {@code java -jar} cannot set the environment; a user who sets {@code MKL_CBWR} keeps theirs.
 * Libtorch builds without MKL (CUDA-only, ARM) simply lack the symbol and nothing happens.
 */
final class MklBranch {

    private static final Logger LOG = Logger.getLogger(MklBranch.class);
    private static final int MKL_CBWR_BRANCH = 1;
    private static final int MKL_CBWR_AUTO = 2;
    private static volatile boolean done;

    private MklBranch() {}

    /** Selects the AUTO branch once per process; must run after libtorch is loaded and before its first GEMM. */
    static synchronized void select() {
        if (done) {
            return;
        }
        done = true;
        if (System.getenv("MKL_CBWR") != null) {
            return;
        }
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup("libtorch_cpu.so", Arena.global());
            var set = lib.find("mkl_serv_cbwr_set");
            var get = lib.find("mkl_serv_cbwr_get");
            if (set.isEmpty() || get.isEmpty()) {
                return;
            }
            FunctionDescriptor intToInt = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
            MethodHandle setter = Linker.nativeLinker().downcallHandle(set.get(), intToInt);
            MethodHandle getter = Linker.nativeLinker().downcallHandle(get.get(), intToInt);
            int status = (int) setter.invokeExact(MKL_CBWR_AUTO);
            int branch = (int) getter.invokeExact(MKL_CBWR_BRANCH);
            if (status == 0 && branch == MKL_CBWR_AUTO) {
                LOG.debug("MKL set to its CBWR AUTO branch");
            } else {
                LOG.infof("MKL kept its default branch (cbwr_set returned %d)", status);
            }
        } catch (Throwable e) {
            // No libtorch_cpu.so by that name, or native access denied: keep MKL's default, which is only slower.
            LOG.debugf("MKL branch not changed: %s", e.toString());
        }
    }
}
