package io.djinn.serving;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import org.jboss.logging.Logger;

/**
 * Loads, on the calling thread, the JDK natives the HTTP server still needs after the start-up event, before the
 * model loader starts loading libtorch. Loading a shared library holds glibc's dynamic-loader lock for as long as
 * its static constructors run, which for libtorch is most of a second: a thread dump of a start showed an event
 * loop stuck in {@code jdk.net.ExtendedSocketOptions.<clinit>} (its first native call, into libextnet) while the
 * loader was inside {@code System.load(libtorch)}, and {@code main} parked in {@code VertxHttpRecorder.doServerStart}
 * waiting for that event loop. Opening a server socket channel runs the same class initialisers ({@code sun.nio.ch.Net},
 * {@code jdk.net.ExtendedSocketOptions}) and library loads here, in a few milliseconds, so binding the HTTP port no
 * longer waits for libtorch.
 */
final class NativePriming {
    private static final Logger LOG = Logger.getLogger(NativePriming.class);

    private NativePriming() {}

    static void network() {
        try (ServerSocketChannel channel = ServerSocketChannel.open()) {
            channel.supportedOptions(); // the extended (Linux) socket options are looked up here
            Class.forName("jdk.net.ExtendedSocketOptions", true, ClassLoader.getPlatformClassLoader());
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            // Only a start-up optimisation: the HTTP server opens its own channel anyway.
            LOG.debugf("Network natives not primed: %s", e.toString());
        }
    }
}
