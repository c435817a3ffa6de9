package io.djinn.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A CPU model's {@link FoldedWeights} kept in a file, so that later starts read them instead of folding the checkpoint.
 * Folding (fusing q/k/v and gate/up, folding the norms in, padding to the stream's width) runs several tensor
 * operations per weight, each writing fresh memory; reading the prepared file is one {@code read()} of it into
 * anonymous memory advised to huge pages, which the tensors then lie over ({@link #stageInBackground}, {@link #read}).
 * On the 2-core VM measured, a SmolLM-sized load took 2.3-2.8 s folded, 1.7-2.2 s copied tensor by tensor from the
 * mapped file into libtorch's 4 KiB pages, 1.3-1.4 s read into huge pages, and 0.04-0.13 s on the loader's path once
 * that read runs on its own thread beside libtorch's load. The copy stays because decode steps reading the mapped
 * page-cache pages in place ran 15-25% slower there.
 *
 * <p>The file is Djinn's own: a safetensors header (which {@link SafetensorsReader} reads) over the tensors in the
 * runtime dtype, in the machine's byte order, each starting on a 64-byte boundary (so there may be gaps between them,
 * which the safetensors format does not allow; no other tool is meant to read it). Its name is a digest of everything
 * the folded weights depend on: the checkpoint's folder and the size and modification time of its files, the dtype,
 * and the bytes of the classes that fold ({@link #key}); a file for another key in the same checkpoint's folder is
 * deleted when a new one is written. It is written to a temporary name, synced, then renamed, so a file present under
 * its final name is complete.
 */
public final class PreparedWeights {
    private static final Logger LOG = Logger.getLogger(PreparedWeights.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Bump when the file's layout changes (the folding code's own changes are in the key already). */
    static final int FORMAT = 1;
    private static final int ALIGN = 64;
    private static final String SUFFIX = ".safetensors";
    /** The classes whose code decides what the folded tensors hold. */
    private static final List<String> FOLDING_CLASSES = List.of("LlamaModel", "LlamaModel$Loader", "FoldedWeights",
            "PreparedWeights");

    private final Path file;
    /** The checkpoint's folder name, for the progress lines. */
    private final String checkpointName;
    /** The file being read into memory ahead of {@link #read}, if {@link #stageInBackground} started that. */
    private CompletableFuture<Staged> staging;

    private PreparedWeights(Path file, String checkpointName) {
        this.file = file;
        this.checkpointName = checkpointName;
    }

    /**
     * The prepared weights of the checkpoint in {@code modelDir} at {@code dtype}, under {@code root} (one folder per
     * checkpoint folder); the file may not exist yet.
     *
     * @param dtype float32 or float16 (16-bit brain floats cannot be written from Java with DJL's JNI)
     * @throws UncheckedIOException when the checkpoint's files cannot be listed
     */
    public static PreparedWeights of(Path root, Path modelDir, DataType dtype) {
        if (!supports(dtype)) {
            throw new IllegalArgumentException("prepared weights are float32 or float16, not " + dtype);
        }
        try {
            Path real = modelDir.toRealPath();
            String folder = digest(real.toString()).substring(0, 16);
            return new PreparedWeights(root.resolve(folder).resolve(digest(key(real, dtype)).substring(0, 32) + SUFFIX),
                    String.valueOf(modelDir.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + modelDir, e);
        }
    }

    /** Whether weights at this runtime dtype can be prepared. */
    public static boolean supports(DataType dtype) {
        return dtype == DataType.FLOAT32 || dtype == DataType.FLOAT16;
    }

    public Path file() {
        return file;
    }

    public boolean exists() {
        return Files.isRegularFile(file);
    }

    /** What the folded weights depend on, as text. */
    static String key(Path realModelDir, DataType dtype) throws IOException {
        StringBuilder k = new StringBuilder("format=").append(FORMAT).append('\n')
                .append("hidden-align=").append(LlamaModel.HIDDEN_ALIGN).append('\n')
                .append("dtype=").append(dtype).append('\n')
                .append("checkpoint=").append(realModelDir).append('\n');
        try (Stream<Path> files = Files.list(realModelDir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".safetensors") || name.endsWith(".json")) {
                    k.append(name).append(' ').append(Files.size(f)).append(' ')
                            .append(Files.getLastModifiedTime(f)).append('\n');
                }
            }
        }
        for (String c : FOLDING_CLASSES) {
            try (InputStream in = PreparedWeights.class.getResourceAsStream(c + ".class")) {
                // a native image has no class files: its build is fixed, and FORMAT with the files above decide
                k.append(c).append(' ').append(in == null ? "-" : digest(in.readAllBytes())).append('\n');
            }
        }
        return k.toString();
    }

    /**
     * Starts reading the file's bytes into this process's memory on a thread of its own ({@link Staged}), so that
     * later {@link #read} only wraps them in tensors. This is file and memory work, no native library: it runs beside
     * libtorch's load.
     */
    public synchronized void stageInBackground() {
        if (staging == null && exists()) {
            CompletableFuture<Staged> f = new CompletableFuture<>();
            staging = f;
            Thread.ofPlatform().name("djinn-prepared-weights-reader").daemon().start(() -> {
                try {
                    f.complete(stage());
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        }
    }

    /** Frees what {@link #stageInBackground} read when {@link #read} will not take it (the load failed before). */
    public void discardStaged() {
        CompletableFuture<Staged> f;
        synchronized (this) {
            f = staging;
            staging = null;
        }
        if (f != null) {
            f.thenAccept(Staged::close);
        }
    }

    /**
     * The folded weights read from the file (copied once into this process's memory), attached to {@code weights};
     * empty when there is no file, or when it does not hold what {@code c} needs at {@code dtype} (then it is deleted,
     * and the caller folds).
     */
    Optional<FoldedWeights> read(ModelConfig c, NDManager weights, DataType dtype) {
        CompletableFuture<Staged> f;
        synchronized (this) {
            f = staging;
            staging = null;
        }
        if (f == null && !exists()) {
            return Optional.empty();
        }
        Map<String, NDArray> named = new LinkedHashMap<>();
        Map<String, long[]> shapes = FoldedWeights.shapes(c);
        TensorDtype expected = dtype == DataType.FLOAT16 ? TensorDtype.F16 : TensorDtype.F32;
        Staged staged = null;
        try {
            staged = f != null ? join(f) : stage();
            if (!staged.infos().keySet().equals(shapes.keySet())) {
                throw new ModelLoadException("holds " + staged.infos().size() + " tensors, the model needs "
                        + shapes.size());
            }
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                SafetensorsReader.TensorInfo t = staged.infos().get(e.getKey());
                if (t.dtype() != expected || t.offset() % ALIGN != 0 || !Arrays.equals(t.shape(), e.getValue())) {
                    throw new ModelLoadException("tensor '" + e.getKey() + "' is " + t.dtype() + " "
                            + Arrays.toString(t.shape()) + " at " + t.offset() + ", the model needs " + expected + " "
                            + Arrays.toString(e.getValue()));
                }
            }
            if (staged.memory() != null && weights.getDevice().equals(Device.cpu())) {
                for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                    SafetensorsReader.TensorInfo t = staged.infos().get(e.getKey());
                    named.put(e.getKey(), weights.create(staged.memory().slice(t.offset() - staged.first(),
                            t.length()), new Shape(e.getValue()), dtype));
                }
                // unmapped when the weights' manager closes (the tensors over it do not own it, and none is read after)
                weights.attachInternal("prepared-weights-memory", staged.memory());
            } else {
                staged.close();
                copyMapped(shapes, weights, dtype, named);
            }
            LOG.debugf("Read the prepared weights %s", file);
            return Optional.of(FoldedWeights.of(c, named));
        } catch (RuntimeException e) {
            named.values().forEach(NDArray::close);
            if (staged != null && staged.memory() != null) {
                weights.detachInternal("prepared-weights-memory");
                staged.close();
            }
            LOG.warnf("Folding the checkpoint: the prepared weights %s are unusable (%s); deleting them", file,
                    e.getMessage());
            deleteQuietly(file);
            return Optional.empty();
        }
    }

    /**
     * The file's tensors read into anonymous memory advised to huge pages, with where each lies; {@code memory} is
     * null where such memory is unavailable (another OS) or a tensor is too big for a direct buffer, and the tensors
     * are then copied from the mapped file ({@link #copyMapped}).
     *
     * <p>One copy into the process's own memory, not the page cache's pages in place: decode steps reading those ran
     * 15-25% slower on the VM measured (see README, "Start-up"). A {@code read()} into huge pages filled 513 MiB in
     * 0.47 s there, against 1.5 s into 4 KiB pages (libtorch's own allocations), where every page's first touch faults.
     */
    private Staged stage() {
        Map<String, SafetensorsReader.TensorInfo> infos = new LinkedHashMap<>();
        long first = Long.MAX_VALUE;
        long end = 0;
        boolean fitBuffers = true;
        try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
            for (String name : reader.names()) {
                SafetensorsReader.TensorInfo t = reader.info(name);
                infos.put(name, t);
                first = Math.min(first, t.offset());
                end = Math.max(end, t.offset() + t.length());
                fitBuffers &= t.length() <= Integer.MAX_VALUE;
            }
        }
        ZeroPages memory = fitBuffers && end > first ? ZeroPages.map(end - first).orElse(null) : null;
        if (memory == null) {
            return new Staged(infos, null, 0);
        }
        try {
            memory.adviseHugePages();
            // the same progress lines as a fold's (operators and the packaging tests read them)
            LoadProgress progress = new LoadProgress("weights of " + checkpointName, end - first);
            readInto(memory, first, end, progress);
            progress.done();
            return new Staged(infos, memory, first);
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    /** The tensors copied from the mapped file into libtorch's memory, one by one. */
    private void copyMapped(Map<String, long[]> shapes, NDManager weights, DataType dtype, Map<String, NDArray> named) {
        try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
            LoadProgress progress = new LoadProgress("weights of " + checkpointName, reader.totalBytes());
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                progress.add(reader.info(e.getKey()).length());
                try (NDArray mapped = weights.create(reader.raw(e.getKey()).order(ByteOrder.nativeOrder()),
                        new Shape(e.getValue()), dtype)) {
                    named.put(e.getKey(), mapped.duplicate());
                }
            }
            progress.done();
        }
    }

    private static Staged join(CompletableFuture<Staged> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new ModelLoadException(String.valueOf(e.getCause()));
        }
    }

    /** What {@link #stage} read: the tensors' places in the file, and the bytes {@code [first, ...)} in memory. */
    private record Staged(Map<String, SafetensorsReader.TensorInfo> infos, ZeroPages memory, long first)
            implements AutoCloseable {
        @Override
        public void close() {
            if (memory != null) {
                memory.close();
            }
        }
    }

    /**
     * Writes {@code named} (contiguous CPU tensors in {@code dtype}) to the file; each tensor's bytes are read inside
     * {@code guardedRead}, which runs its argument unless the weights were closed meanwhile (then false, and nothing
     * is kept). Returns whether the file was written; a failure (a full disk) is logged, not thrown.
     */
    boolean write(Map<String, NDArray> named, DataType dtype, Predicate<Runnable> guardedRead) {
        if (!supports(dtype)) {
            return false;
        }
        long start = System.nanoTime();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        if (!guardedRead.test(() -> named.forEach((name, a) -> shapes.put(name, a.getShape().getShape())))) {
            return false;
        }
        TensorDtype td = dtype == DataType.FLOAT16 ? TensorDtype.F16 : TensorDtype.F32;
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "djinn-prepared-" + FORMAT);
        Map<String, Long> offsets = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = new Shape(e.getValue()).size() * dtype.getNumOfBytes();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", td.name());
            ArrayNode shape = n.putArray("shape");
            for (long d : e.getValue()) {
                shape.add(d);
            }
            n.putArray("data_offsets").add(offset).add(offset + bytes);
            offsets.put(e.getKey(), offset);
            offset = align(offset + bytes);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        long dataStart = align(8 + json.length); // the header padded with spaces, as the format allows
        ByteBuffer head = ByteBuffer.allocate((int) dataStart).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(dataStart - 8).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            deleteOthers();
            long free = Files.getFileStore(file.getParent()).getUsableSpace();
            if (free < (dataStart + offset) + (dataStart + offset) / 10 + (64L << 20)) {
                // a copy of the weights must not be what fills the disk: skipped, the next start folds again
                LOG.warnf("Prepared weights not written: %d MiB needed, %d MiB free in %s", (dataStart + offset) >> 20,
                        free >> 20, file.getParent());
                return false;
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head, 0);
                for (Map.Entry<String, NDArray> e : named.entrySet()) {
                    long at = dataStart + offsets.get(e.getKey());
                    // a direct buffer over the tensor's own memory: written without a copy through Java
                    boolean open = guardedRead.test(() -> writeAll(ch,
                            ((PtNDArray) e.getValue()).toByteBuffer(true), at));
                    if (!open) {
                        Files.deleteIfExists(tmp);
                        return false;
                    }
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.infof("Wrote the prepared weights %s (%d MiB) in %d ms: later starts read them", file,
                    (dataStart + offset) >> 20, (System.nanoTime() - start) / 1_000_000);
            return true;
        } catch (IOException | RuntimeException e) { // a full disk, a tensor over 2 GiB (no direct buffer)
            deleteQuietly(tmp);
            LOG.warnf("Could not write the prepared weights %s: %s", file, e.getMessage());
            return false;
        }
    }

    /** Files for other keys (an older checkpoint or Djinn) in this checkpoint's folder, and stale temporaries. */
    private void deleteOthers() throws IOException {
        try (Stream<Path> files = Files.list(file.getParent())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!f.equals(file) && (name.endsWith(SUFFIX) || name.endsWith(".tmp"))) {
                    deleteQuietly(f);
                }
            }
        }
    }

    /** Reads the file's bytes {@code [first, end)} into {@code memory}, in pieces a direct buffer can address. */
    private void readInto(ZeroPages memory, long first, long end, LoadProgress progress) {
        // pieces of a sixteenth (4 KiB to 64 MiB), so that the progress lines move for a small file too
        long pieceBytes = Math.min(64L << 20, Math.max(4096, ((end - first) / 16 + 4095) / 4096 * 4096));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long at = first; at < end; ) {
                int piece = (int) Math.min(end - at, pieceBytes);
                ByteBuffer into = memory.slice(at - first, piece);
                while (into.hasRemaining()) {
                    if (ch.read(into, at + into.position()) < 0) {
                        throw new ModelLoadException("ends at " + (at + into.position()) + ", before " + end);
                    }
                }
                progress.add(piece);
                at += piece;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b, long at) {
        try {
            long pos = at;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // a leftover file: the next write in this folder deletes it
        }
    }

    private static String digest(String s) {
        return digest(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String digest(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
