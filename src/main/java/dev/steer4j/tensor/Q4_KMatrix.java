package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.steer4j.tensor.Blocks.B;
import static dev.steer4j.tensor.Blocks.F;
import static dev.steer4j.tensor.Blocks.FAST;
import static dev.steer4j.tensor.Blocks.I;
import static dev.steer4j.tensor.Blocks.I16;
import static dev.steer4j.tensor.Blocks.I32;
import static dev.steer4j.tensor.Blocks.IOTA16;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;

/**
 * Q4_K weights: super-blocks of 256 values stored as IEEE half {@code d} and {@code dmin}, 12 bytes packing eight
 * 6-bit scales and eight 6-bit mins (one per 32-value sub-block, see {@link Blocks#scaleMinK4}), and 128 bytes of
 * 4-bit quants. Each 32-byte group {@code j} of quants covers values {@code 64j..64j+63}: low nibbles the first
 * sub-block, high nibbles the second. The value is {@code d * scale * q - dmin * min}.
 */
public final class Q4_KMatrix extends WeightMatrix {
    static final int QK = 256;
    static final int BLOCK_BYTES = 144;

    public Q4_KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkCols(name, cols, QK, "Q4_K");
        Blocks.checkSize(name, data, rows, (long) cols / QK * BLOCK_BYTES);
    }

    @Override public GGMLType type() { return GGMLType.Q4_K; }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (L == 16) return dot16(row, x, xOff);
        if (FAST) return dotWiden(row, x, xOff);
        return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
    }

    /** 16 lanes: per sub-block, a table of the 16 values d·scale·q - dmin·min indexed by the nibbles. */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o));
            float dmin = Float.float16ToFloat(data.get(I16, o + 2));
            // the eight 6-bit scales and mins, one byte each (ggml's kmask/utmp unpacking)
            int u0 = data.get(I32, o + 4), u1 = data.get(I32, o + 8), u2 = data.get(I32, o + 12);
            long scales = (u0 & 0x3f3f3f3fL) | (long) ((u2 & 0x0f0f0f0f) | (((u0 >>> 6) & 0x03030303) << 4)) << 32;
            long mins = (u1 & 0x3f3f3f3fL) | (long) (((u2 >>> 4) & 0x0f0f0f0f) | (((u1 >>> 6) & 0x03030303) << 4)) << 32;
            int xs = xOff + s * QK;
            for (int j = 0; j < 4; j++) {
                int sh = 16 * j;
                IntVector t1 = IOTA16.mul(d * (int) ((scales >>> sh) & 0xFF)).sub(dmin * (int) ((mins >>> sh) & 0xFF)).reinterpretAsInts();
                IntVector t2 = IOTA16.mul(d * (int) ((scales >>> (sh + 8)) & 0xFF)).sub(dmin * (int) ((mins >>> (sh + 8)) & 0xFF)).reinterpretAsInts();
                long qo = o + 16 + 32L * j;
                int xl = xs + 64 * j;
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, data, qo + 16, LE).convertShape(VectorOperators.B2I, I, 0);
                a0 = q0.selectFrom(t1).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl), a0);
                a1 = q1.selectFrom(t1).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl + 16), a1);
                a2 = q0.lanewise(VectorOperators.LSHR, 4).selectFrom(t2).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl + 32), a2);
                a3 = q1.lanewise(VectorOperators.LSHR, 4).selectFrom(t2).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl + 48), a3);
            }
        }
        FloatVector acc = a0.add(a1).add(a2.add(a3));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    /** Any FAST width: per sub-block {@code d·scale·Σq·x - dmin·min·Σx}, widening the nibbles to floats. */
    private float dotWiden(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector accLo = FloatVector.zero(F), accHi = FloatVector.zero(F);
        FloatVector accMLo = FloatVector.zero(F), accMHi = FloatVector.zero(F);
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o));
            float dmin = Float.float16ToFloat(data.get(I16, o + 2));
            // the eight 6-bit scales and mins, one byte each (ggml's kmask/utmp unpacking)
            int u0 = data.get(I32, o + 4), u1 = data.get(I32, o + 8), u2 = data.get(I32, o + 12);
            long scales = (u0 & 0x3f3f3f3fL) | (long) ((u2 & 0x0f0f0f0f) | (((u0 >>> 6) & 0x03030303) << 4)) << 32;
            long mins = (u1 & 0x3f3f3f3fL) | (long) (((u2 >>> 4) & 0x0f0f0f0f) | (((u1 >>> 6) & 0x03030303) << 4)) << 32;
            int xs = xOff + s * QK;
            for (int j = 0; j < 4; j++) {
                long qo = o + 16 + 32L * j;
                int xl = xs + 64 * j;
                FloatVector sLo = FloatVector.zero(F), sHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F), xHi = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, qo + k, LE);
                    ByteVector lo = q.and((byte) 0x0F);
                    ByteVector hi = q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                    FloatVector x0 = FloatVector.fromArray(F, x, xl + k);
                    FloatVector x1 = FloatVector.fromArray(F, x, xl + 32 + k);
                    sLo = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, 0)).fma(x0, sLo);
                    sHi = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, 0)).fma(x1, sHi);
                    xLo = xLo.add(x0);
                    xHi = xHi.add(x1);
                }
                int sh = 16 * j;
                accLo = sLo.fma(FloatVector.broadcast(F, d * (int) ((scales >>> sh) & 0xFF)), accLo);
                accHi = sHi.fma(FloatVector.broadcast(F, d * (int) ((scales >>> (sh + 8)) & 0xFF)), accHi);
                accMLo = xLo.fma(FloatVector.broadcast(F, dmin * (int) ((mins >>> sh) & 0xFF)), accMLo);
                accMHi = xHi.fma(FloatVector.broadcast(F, dmin * (int) ((mins >>> (sh + 8)) & 0xFF)), accMHi);
            }
        }
        FloatVector acc = accLo.add(accHi).sub(accMLo.add(accMHi));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Blocks.f16(data, o);
            float min = Blocks.f16(data, o + 2);
            int y = outOff + s * QK;
            for (int j = 0; j < 4; j++) {
                int sm1 = Blocks.scaleMinK4(data, o + 4, 2 * j);
                int sm2 = Blocks.scaleMinK4(data, o + 4, 2 * j + 1);
                float d1 = d * (sm1 & 0xFF), m1 = min * (sm1 >>> 8);
                float d2 = d * (sm2 & 0xFF), m2 = min * (sm2 >>> 8);
                long qo = o + 16 + 32L * j;
                for (int l = 0; l < 32; l++) {
                    int q = Blocks.u8(data, qo + l);
                    out[y + 64 * j + l] = d1 * (q & 0xF) - m1;
                    out[y + 64 * j + 32 + l] = d2 * (q >> 4) - m2;
                }
            }
        }
    }
}
