package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import io.djinn.common.DjlEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** djinn.cpu.threads and djinn.cpu.wait-policy reach libtorch and its OpenMP runtime. */
class CpuThreadsTest {

    @Test
    void threadCountReachesLibtorchAndZeroMeansTheAvailableProcessors() throws Exception {
        DjlEnvironment.init();
        boolean loadedBefore = Files.readString(Path.of("/proc/self/maps")).contains("libtorch_cpu");
        try {
            assertEquals(1, CpuThreads.apply(1, CpuThreads.WaitPolicy.PASSIVE));
            assertEquals(1, JniUtils.getNumThreads());
            int all = Runtime.getRuntime().availableProcessors();
            assertEquals(all, CpuThreads.apply(0, CpuThreads.WaitPolicy.PASSIVE));
            assertEquals(all, JniUtils.getNumThreads());
            if (!loadedBefore && System.getenv("OMP_WAIT_POLICY") == null
                    && System.getenv("GOMP_SPINCOUNT") == null) {
                // set in the process environment before libgomp read it
                assertEquals("PASSIVE", CpuThreads.nativeEnvironment("OMP_WAIT_POLICY"));
            }
            if (!loadedBefore) {
                // libtorch's allocator advises huge pages, unless the user's environment said otherwise
                assertEquals(System.getenv(CpuThreads.HUGE_PAGES_VARIABLE) == null ? "1"
                        : System.getenv(CpuThreads.HUGE_PAGES_VARIABLE),
                        CpuThreads.nativeEnvironment(CpuThreads.HUGE_PAGES_VARIABLE));
            }
        } finally {
            CpuThreads.apply(0, CpuThreads.WaitPolicy.PASSIVE); // the default, for the tests after this one
        }
    }

    @Test
    void eachPolicyNamesItsVariableAndTheEnvironmentWins() {
        assertEquals(java.util.Map.entry("GOMP_SPINCOUNT", "20000"),
                CpuThreads.variableFor(CpuThreads.WaitPolicy.BOUNDED, 20_000, null, null));
        assertEquals(java.util.Map.entry("OMP_WAIT_POLICY", "PASSIVE"),
                CpuThreads.variableFor(CpuThreads.WaitPolicy.PASSIVE, 20_000, null, null));
        assertNull(CpuThreads.variableFor(CpuThreads.WaitPolicy.ACTIVE, 20_000, null, null)); // libgomp's default
        assertNull(CpuThreads.variableFor(CpuThreads.WaitPolicy.BOUNDED, 20_000, "PASSIVE", null));
        assertNull(CpuThreads.variableFor(CpuThreads.WaitPolicy.PASSIVE, 20_000, null, "5000"));
        assertEquals(CpuThreads.WaitPolicy.BOUNDED, CpuThreads.WaitPolicy.parse("bounded", "djinn.cpu.wait-policy"));
        assertThrows(IllegalArgumentException.class,
                () -> CpuThreads.apply(0, CpuThreads.WaitPolicy.BOUNDED, -1));
    }

    @Test
    void badSettingsAreRefusedByName() {
        assertEquals(CpuThreads.WaitPolicy.ACTIVE, CpuThreads.WaitPolicy.parse(" Active ", "djinn.cpu.wait-policy"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuThreads.WaitPolicy.parse("spin", "djinn.cpu.wait-policy"));
        assertTrue(e.getMessage().contains("djinn.cpu.wait-policy") && e.getMessage().contains("spin"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuThreads.apply(-1, CpuThreads.WaitPolicy.PASSIVE));
    }
}
