package io.djinn.model;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Zero-filled memory whose pages are not touched until first written: an anonymous private mapping ({@code mmap}),
 * which the kernel backs with zero pages on demand. The KV cache on a CPU lives here. Made by {@code torch.zeros},
 * its hundreds of MiB were all written at start-up, and on a virtual machine that backs guest memory lazily (a
 * Firecracker micro-VM, as serverless platforms run) first-touching fresh memory costs about 3 ms per MiB: 720 MiB
 * for a SmolLM-sized cache took 2.2-2.8 s of the loader. Mapped, the cache costs nothing at start-up and each page
 * is touched when a token is first written to it, while every position still reads as zero until then (decode
 * attention reads positions past a row's length under a zero probability, and 0 x NaN would be NaN).
 *
 * <p>Linux only (the {@code MAP_ANONYMOUS} value), through the foreign-function API; {@link #map} is empty where that
 * is unavailable (another OS, a native image without foreign-function support), and the caller falls back to zeros.
 */
final class ZeroPages implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ZeroPages.class);
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    /** Linux's value on x86-64 and AArch64 (macOS uses 0x1000). */
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private final MemorySegment memory;
    private boolean unmapped;

    private ZeroPages(MemorySegment memory) {
        this.memory = memory;
    }

    /** {@code bytes} of zero pages, or empty where they cannot be mapped (the caller then allocates zeros). */
    static Optional<ZeroPages> map(long bytes) {
        if (bytes <= 0 || !"Linux".equals(System.getProperty("os.name"))) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            MemorySegment address = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, bytes,
                    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (address.address() == -1L || address.address() == 0L) { // MAP_FAILED: no address space left
                LOG.debugf("mmap of %d bytes failed: allocating zeros instead", bytes);
                return Optional.empty();
            }
            return Optional.of(new ZeroPages(address.reinterpret(bytes)));
        } catch (Throwable e) {
            // no native access (a native image without foreign-function support): zeros instead
            LOG.debugf("no anonymous mapping (%s): allocating zeros instead", e.toString());
            return Optional.empty();
        }
    }

    long bytes() {
        return memory.byteSize();
    }

    /**
     * Asks the kernel for transparent huge pages here ({@code madvise(MADV_HUGEPAGE)}, honoured where THP is
     * {@code always} or {@code madvise}): a first touch then takes one fault per 2 MiB instead of one per 4 KiB. On the
     * 2-core VM measured, reading 513 MiB of prepared weights into such memory took 0.47 s against 1.53 s in 4 KiB pages.
     * False where the advice was refused (the memory still works, in small pages).
     */
    boolean adviseHugePages() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle madvise = linker.downcallHandle(linker.defaultLookup().find("madvise").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                            ValueLayout.JAVA_INT));
            return (int) madvise.invokeExact(memory, memory.byteSize(), MADV_HUGEPAGE) == 0;
        } catch (Throwable e) {
            LOG.debugf("no huge-page advice (%s)", e.toString());
            return false;
        }
    }

    /** Where the mapping starts (tests find it in {@code /proc/self/smaps}). */
    long address() {
        return memory.address();
    }

    /** A direct buffer over {@code [offset, offset + length)}, in native byte order, for a tensor made without copy. */
    ByteBuffer slice(long offset, long length) {
        if (unmapped) {
            throw new IllegalStateException("unmapped");
        }
        return memory.asSlice(offset, length).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** Unmaps the memory: every tensor made over it must be closed first (their storage does not own it). */
    @Override
    public synchronized void close() {
        if (unmapped) {
            return;
        }
        unmapped = true;
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            int status = (int) munmap.invokeExact(memory, memory.byteSize());
            if (status != 0) {
                LOG.warnf("munmap of %d bytes returned %d", memory.byteSize(), status);
            }
        } catch (Throwable e) {
            LOG.warnf("could not unmap %d bytes: %s", memory.byteSize(), e.toString());
        }
    }
}
