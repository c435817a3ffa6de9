package io.djinn.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/** The device and dtype names of Djinn's settings (and of the tools' options), resolved the same way everywhere. */
public final class RuntimeChoice {
    private RuntimeChoice() {}

    /**
     * {@code cpu} or {@code cuda:N} ({@code cuda} alone is device 0).
     *
     * @param setting names the setting or option, for the error
     */
    public static Device device(String name, String setting) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("cpu")) {
            return Device.cpu();
        }
        if (n.equals("cuda") || n.matches("cuda:\\d+")) {
            int index = n.contains(":") ? Integer.parseInt(n.substring(n.indexOf(':') + 1)) : 0;
            // Asked before any tensor is made: libtorch's own refusal is kilobytes of dispatcher tables.
            ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
            if (!engine.hasCapability(ai.djl.engine.StandardCapabilities.CUDA)) {
                throw new IllegalArgumentException(setting + "=" + name.trim() + ": the loaded libtorch ("
                        + engine.getVersion() + ") has no CUDA (a CPU build, or no GPU visible); use a CUDA build as README's \"Running on a GPU\" "
                        + "section says, or " + setting + "=cpu");
            }
            return Device.gpu(index);
        }
        throw new IllegalArgumentException(setting + " must be cpu or cuda:N, not '" + name + "'");
    }

    /**
     * The runtime dtype. {@code auto} is float32 on a CPU and, on CUDA, what vLLM's auto picks: bfloat16 for a
     * bfloat16 checkpoint, float16 for float16 and float32 ones. Where the loaded JNI cannot hold bfloat16 (see
     * {@link Bfloat16Support}), auto picks float16 instead; an explicit bfloat16 is refused when the model loads.
     *
     * @param checkpoint the checkpoint's {@code torch_dtype} (or {@code dtype}) from config.json
     * @param setting    names the setting or option, for the error
     */
    public static DataType dtype(String name, Device device, String checkpoint, String setting) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> !device.isGpu() ? DataType.FLOAT32
                    : "bfloat16".equalsIgnoreCase(checkpoint) && bfloat16Available() ? DataType.BFLOAT16
                    : DataType.FLOAT16;
            case "float32", "fp32" -> DataType.FLOAT32;
            case "float16", "fp16", "half" -> DataType.FLOAT16;
            case "bfloat16", "bf16" -> DataType.BFLOAT16;
            default -> throw new IllegalArgumentException(
                    setting + " must be auto, float32, float16 or bfloat16, not '" + name + "'");
        };
    }

    /** Loads the engine (libtorch and the JNI) if needed, then asks whether the JNI maps bfloat16. */
    private static boolean bfloat16Available() {
        ai.djl.engine.Engine.getEngine("PyTorch");
        return Bfloat16Support.available();
    }
}
