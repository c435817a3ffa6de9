package io.djinn.serving;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Free and total memory of a CUDA device. libtorch has loaded the CUDA runtime by the time a model is on the device,
 * so its {@code cudaMemGetInfo} is asked directly (found among the process's mapped libraries, whatever its file
 * name: pip wheels and DJL's own builds name it differently); DJL's {@link CudaUtils}, which looks for a system
 * {@code libcudart}, is the fallback.
 */
final class DeviceMemory {

    /** Bytes free and in total on the device. */
    record Info(long free, long total) {}

    private DeviceMemory() {}

    static Info query(Device device) {
        if (!device.isGpu()) {
            throw new IllegalArgumentException("not a GPU: " + device);
        }
        Optional<Path> cudart = loadedLibrary("libcudart");
        Exception first = null;
        if (cudart.isPresent()) {
            try {
                return cudaMemGetInfo(cudart.get(), device.getDeviceId());
            } catch (Throwable e) {
                first = e instanceof Exception ex ? ex : new IllegalStateException(e);
            }
        }
        try {
            MemoryUsage m = CudaUtils.getGpuMemory(device);
            return new Info(m.getMax() - m.getCommitted(), m.getMax());
        } catch (RuntimeException e) {
            IllegalStateException failure = new IllegalStateException("cannot query the free memory of " + device
                    + " to size the KV cache (" + e.getMessage() + "); set djinn.engine.kv-cache-mib", e);
            if (first != null) {
                failure.addSuppressed(first);
            }
            throw failure;
        }
    }

    private static Info cudaMemGetInfo(Path library, int deviceId) throws Throwable {
        Linker linker = Linker.nativeLinker();
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lib = SymbolLookup.libraryLookup(library, arena);
            MethodHandle getDevice = linker.downcallHandle(lib.findOrThrow("cudaGetDevice"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MethodHandle setDevice = linker.downcallHandle(lib.findOrThrow("cudaSetDevice"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle memGetInfo = linker.downcallHandle(lib.findOrThrow("cudaMemGetInfo"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            MemorySegment current = arena.allocate(ValueLayout.JAVA_INT);
            check((int) getDevice.invokeExact(current), "cudaGetDevice");
            int previous = current.get(ValueLayout.JAVA_INT, 0);
            check((int) setDevice.invokeExact(deviceId), "cudaSetDevice");
            try {
                MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
                check((int) memGetInfo.invokeExact(free, total), "cudaMemGetInfo");
                return new Info(free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0));
            } finally {
                int ignored = (int) setDevice.invokeExact(previous);
            }
        }
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new IllegalStateException(call + " returned CUDA error " + status);
        }
    }

    /** The first mapped file of this process whose name starts with {@code prefix}. */
    static Optional<Path> loadedLibrary(String prefix) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .map(line -> line.indexOf('/') < 0 ? null : line.substring(line.indexOf('/')).trim())
                    .filter(p -> p != null && Path.of(p).getFileName().toString().startsWith(prefix))
                    .findFirst().map(Path::of);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
