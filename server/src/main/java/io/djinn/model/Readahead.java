package io.djinn.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Reads a checkpoint's weight files once, sequentially, into a small scratch buffer, so the operating system's page
 * cache holds them when the loader maps them. On a cold start from a cold disk cache (a new node, a scaled-to-zero
 * pod) this overlaps the disk reads with the JVM's and the HTTP server's start; on a warm cache it costs a memory copy
 * of the files (tens of milliseconds per 500 MiB). Pure Java I/O, no native library: it may run before HTTP is up.
 */
public final class Readahead {
    private static final Logger LOG = Logger.getLogger(Readahead.class);
    private static final int CHUNK = 1 << 20;

    private Readahead() {}

    /** Starts reading the {@code *.safetensors} files of {@code modelDir} on a daemon thread. */
    public static Thread start(Path modelDir) {
        return Thread.ofPlatform().name("djinn-weights-readahead").daemon().start(() -> read(modelDir));
    }

    static long read(Path modelDir) {
        List<Path> files;
        try (Stream<Path> s = Files.list(modelDir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            return 0; // the loader reports a missing or unreadable checkpoint itself
        }
        long total = 0;
        ByteBuffer scratch = ByteBuffer.allocateDirect(CHUNK);
        for (Path file : files) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long pos = 0;
                int n;
                while ((n = ch.read(scratch.clear(), pos)) > 0) {
                    pos += n;
                }
                total += pos;
            } catch (IOException e) {
                LOG.debugf("Readahead of %s stopped: %s", file, e.toString());
            }
        }
        return total;
    }
}
