package io.djinn.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the loaded DJL PyTorch JNI can represent bfloat16. DJL 0.35.1's own JNI maps its data types to libtorch's
 * by number and has no bfloat16: converting a tensor to it (or creating one) ends the JVM with
 * {@code terminate called without an active exception}, so this must be known before the first such call. A JNI
 * built by {@code src/main/scripts/build-djl-jni.sh} maps bfloat16 and exports {@code djinn_jni_bfloat16}, which is
 * looked up here in the {@code libdjl_torch.so} the process has loaded (DJL's copy in its cache is called
 * {@code <djl-version>-libdjl_torch.so}).
 */
public final class Bfloat16Support {
    static final String MARKER = "djinn_jni_bfloat16";
    private static volatile Boolean available;

    private Bfloat16Support() {}

    /** Must be asked after libtorch and the JNI are loaded (after a model's manager exists). */
    public static boolean available() {
        Boolean a = available;
        if (a == null) {
            a = probe();
            available = a;
        }
        return a;
    }

    private static boolean probe() {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            Path jni = lines.map(l -> l.indexOf('/') < 0 ? null : l.substring(l.indexOf('/')).trim())
                    .filter(p -> p != null && p.endsWith("libdjl_torch.so")).findFirst().map(Path::of).orElse(null);
            if (jni == null) {
                return false;
            }
            try (Arena arena = Arena.ofConfined()) {
                return SymbolLookup.libraryLookup(jni, arena).find(MARKER).isPresent();
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The error for a bfloat16 request the loaded JNI cannot serve. */
    static IllegalArgumentException unsupported() {
        return new IllegalArgumentException("bfloat16 needs DJL's PyTorch JNI built by src/main/scripts/"
                + "build-djl-jni.sh (DJL's own JNI has no bfloat16 and would end the process); use float16 or "
                + "float32, or build the JNI (see README, \"Running on a GPU\")");
    }
}
