package io.djinn.common;

/**
 * DJL reads its switches from system properties when its engine first starts. Setting them here, before any
 * DJL class loads, keeps every entry point (server, tests, CLI, benchmark) offline even when the JVM was
 * started without {@code -Dai.djl.offline=true}: without it DJL's engine start phones home.
 */
public final class DjlEnvironment {
    private DjlEnvironment() {}

    public static void init() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("DJL_OFFLINE", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.pytorch.num_interop_threads",
                System.getProperty("ai.djl.pytorch.num_interop_threads", "1"));
    }
}
