package io.djinn.model;

import java.util.Optional;

/** The safetensors element types Djinn reads and writes. */
public enum TensorDtype {
    F32(4),
    F16(2),
    /** bfloat16: DJL cannot hold it, so it is always widened to float32 in Java on load. */
    BF16(2);

    private final int bytes;

    TensorDtype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public static Optional<TensorDtype> fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> Optional.of(F32);
            case "F16" -> Optional.of(F16);
            case "BF16" -> Optional.of(BF16);
            default -> Optional.empty();
        };
    }

    /** float32 to bfloat16 bits, round to nearest even (NaN kept quiet). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}
