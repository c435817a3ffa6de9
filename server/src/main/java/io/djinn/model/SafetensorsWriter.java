package io.djinn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes safetensors checkpoints the way Hugging Face does: an 8-byte little-endian header length, a JSON header
 * ({@code __metadata__: {"format": "pt"}}, then each tensor's dtype, shape and data_offsets) padded with spaces to a
 * multiple of 8 bytes, then the tensor bytes. Optionally sharded into {@code model-0000i-of-0000n.safetensors} files
 * plus {@code model.safetensors.index.json}.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    private SafetensorsWriter() {}

    /** One tensor to write. */
    public record TensorSpec(String name, TensorDtype dtype, long... shape) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public long bytes() {
            return elements() * dtype.bytes();
        }
    }

    /** Produces a tensor's values in order, as float32, converted by the writer to the tensor's dtype. */
    public interface ValueSource {
        /** Fills {@code chunk[0..count)} with the next {@code count} values of {@code spec}. */
        void fill(TensorSpec spec, long firstElement, float[] chunk, int count);
    }

    /**
     * Writes {@code tensors} into {@code dir}: one {@code model.safetensors} when {@code maxShardBytes <= 0} or
     * everything fits, else shards of at most {@code maxShardBytes} of tensor data each (a bigger tensor gets a
     * shard of its own) plus the index json. Returns the files written.
     */
    public static List<Path> write(Path dir, List<TensorSpec> tensors, ValueSource values, long maxShardBytes)
            throws IOException {
        List<List<TensorSpec>> shards = new ArrayList<>();
        List<TensorSpec> cur = new ArrayList<>();
        long curBytes = 0;
        long total = 0;
        for (TensorSpec t : tensors) {
            total += t.bytes();
            if (maxShardBytes > 0 && !cur.isEmpty() && curBytes + t.bytes() > maxShardBytes) {
                shards.add(cur);
                cur = new ArrayList<>();
                curBytes = 0;
            }
            cur.add(t);
            curBytes += t.bytes();
        }
        shards.add(cur);
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        if (shards.size() == 1) {
            Path f = dir.resolve(SafetensorsReader.SINGLE_FILE);
            writeFile(f, shards.get(0), values);
            files.add(f);
            return files;
        }
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", total);
        ObjectNode map = index.putObject("weight_map");
        for (int s = 0; s < shards.size(); s++) {
            String name = String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            Path f = dir.resolve(name);
            writeFile(f, shards.get(s), values);
            files.add(f);
            for (TensorSpec t : shards.get(s)) {
                map.put(t.name(), name);
            }
        }
        Path indexFile = dir.resolve(SafetensorsReader.INDEX_FILE);
        Files.writeString(indexFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
        files.add(indexFile);
        return files;
    }

    /** Writes one file holding {@code tensors} in order. */
    public static void writeFile(Path file, List<TensorSpec> tensors, ValueSource values) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (TensorSpec t : tensors) {
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", t.dtype().name());
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            ArrayNode off = n.putArray("data_offsets");
            off.add(offset);
            off.add(offset + t.bytes());
            offset += t.bytes();
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, head);
            float[] chunk = new float[CHUNK];
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (TensorSpec t : tensors) {
                long n = t.elements();
                for (long done = 0; done < n;) {
                    int count = (int) Math.min(CHUNK, n - done);
                    values.fill(t, done, chunk, count);
                    buf.clear();
                    encode(t.dtype(), chunk, count, buf);
                    buf.flip();
                    writeAll(ch, buf);
                    done += count;
                }
            }
        }
    }

    private static void encode(TensorDtype dtype, float[] src, int count, ByteBuffer out) {
        switch (dtype) {
            case F32 -> {
                out.asFloatBuffer().put(src, 0, count);
                out.position(count * 4);
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(Float.floatToFloat16(src[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out.putShort(TensorDtype.floatToBf16(src[i]));
                }
            }
        }
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
