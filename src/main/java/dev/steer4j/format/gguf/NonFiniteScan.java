package dev.steer4j.format.gguf;

import dev.steer4j.util.SafeText;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Finds NaN or infinite values in a tensor's data, as llama.cpp's {@code --check-tensors} does
 * ({@code ggml_validate_row_data}): every value of an F32, F16 or BF16 tensor, and the f16 scales of every block of
 * a quantised one (Q4_0, Q4_1, Q8_0, Q4_K, Q5_K, Q6_K; the quants themselves are small integers and cannot be
 * non-finite). Plain values are read eight bytes at a time; a scan costs one read of the float tensors and one
 * strided read of the quantised ones.
 */
public final class NonFiniteScan {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private NonFiniteScan() {}

    /** What was found: the element (plain types) or block (quantised types) index, and the value's text. */
    public record Finding(String tensor, GGMLType type, long index, String value) {
        /** {@code tensor 'x' holds NaN at element 12 (F16)} or {@code ... in the scale of block 3 (Q8_0)}. */
        public String describe() {
            boolean block = type.blockSize() > 1;
            return "tensor " + SafeText.quoted(tensor) + " holds " + value + (block ? " in a scale of block " : " at element ") + index + " (" + type + ")";
        }
    }

    /** The first non-finite value of {@code t}, or null when all are finite (also for types it does not know). */
    public static Finding scan(GGUFTensorInfo t) {
        MemorySegment d = t.data();
        return switch (t.type()) {
            case F32 -> plain(t, d, 4, 0x7f8000007f800000L);
            case F16 -> plain(t, d, 2, 0x7c007c007c007c00L);
            case BF16 -> plain(t, d, 2, 0x7f807f807f807f80L);
            case Q4_0, Q8_0 -> scales(t, d, 0, -1);
            case Q4_1, Q4_K, Q5_K -> scales(t, d, 0, 2);
            case Q6_K -> scales(t, d, 208, -1);
            default -> null;
        };
    }

    /** Lanes of {@code width} bytes whose exponent bits ({@code mask}) are all set are NaN or infinite. */
    private static Finding plain(GGUFTensorInfo t, MemorySegment d, int width, long mask) {
        long n = d.byteSize(), i = 0;
        for (; i + 8 <= n; i += 8) {
            long v = d.get(LONG, i);
            if (hasFullLane(v & mask, mask, width)) break;
        }
        for (; i + width <= n; i += width) {
            long lane = width == 4 ? Integer.toUnsignedLong(d.get(INT, i)) : Short.toUnsignedLong(d.get(SHORT, i));
            long m = width == 4 ? mask & 0xffffffffL : mask & 0xffffL;
            if ((lane & m) == m) return new Finding(t.name(), t.type(), i / width, text(t.type(), lane));
        }
        return null;
    }

    private static boolean hasFullLane(long masked, long mask, int width) {
        if (width == 4) return (masked & 0xffffffffL) == (mask & 0xffffffffL) || (masked >>> 32) == (mask >>> 32);
        for (int s = 0; s < 64; s += 16) if (((masked >>> s) & 0xffff) == ((mask >>> s) & 0xffff)) return true;
        return false;
    }

    private static Finding scales(GGUFTensorInfo t, MemorySegment d, int first, int second) {
        long block = t.type().typeSize(), blocks = d.byteSize() / block;
        for (long b = 0; b < blocks; b++) {
            long at = b * block;
            short s = d.get(SHORT, at + first);
            if ((s & 0x7c00) == 0x7c00) return new Finding(t.name(), t.type(), b, text(GGMLType.F16, s & 0xffff));
            if (second >= 0) {
                s = d.get(SHORT, at + second);
                if ((s & 0x7c00) == 0x7c00) return new Finding(t.name(), t.type(), b, text(GGMLType.F16, s & 0xffff));
            }
        }
        return null;
    }

    private static String text(GGMLType type, long bits) {
        boolean nan = switch (type) {
            case F32 -> (bits & 0x007fffffL) != 0;
            case BF16 -> (bits & 0x007fL) != 0;
            default -> (bits & 0x03ffL) != 0;
        };
        if (nan) return "NaN";
        long sign = type == GGMLType.F32 ? bits >>> 31 : bits >>> 15;
        return sign != 0 ? "-Inf" : "+Inf";
    }
}
