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
import static dev.steer4j.tensor.Blocks.IOTA16_HI;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;

/**
 * Q5_K weights: super-blocks of 256 values stored as IEEE half {@code d} and {@code dmin}, 12 bytes of packed 6-bit
 * scales and mins (as Q4_K), 32 bytes {@code qh} of fifth bits and 128 bytes {@code qs} of low nibbles. Values
 * {@code 64j + l} and {@code 64j + 32 + l} take their low four bits from the low and high nibble of
 * {@code qs[32j + l]} and their fifth bit from bits {@code 2j} and {@code 2j + 1} of {@code qh[l]}. The value is
 * {@code d * scale * q - dmin * min}.
 */
public final class Q5_KMatrix extends WeightMatrix {
    static final int QK = 256;
    static final int BLOCK_BYTES = 176;

    public Q5_KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkCols(name, cols, QK, "Q5_K");
        Blocks.checkSize(name, data, rows, (long) cols / QK * BLOCK_BYTES);
    }

    @Override public GGMLType type() { return GGMLType.Q5_K; }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (L == 16) return dot16(row, x, xOff);
        if (FAST) return dotWiden(row, x, xOff);
        return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
    }

    /**
     * 16 lanes: per sub-block, the 32 values d·scale·q - dmin·min as two tables, indexed by the 5-bit quants
     * (low nibble or high nibble, plus the qh bit as bit 4).
     */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o));
            float dmin = Float.float16ToFloat(data.get(I16, o + 2));
            int u0 = data.get(I32, o + 4), u1 = data.get(I32, o + 8), u2 = data.get(I32, o + 12);
            long scales = (u0 & 0x3f3f3f3fL) | (long) ((u2 & 0x0f0f0f0f) | (((u0 >>> 6) & 0x03030303) << 4)) << 32;
            long mins = (u1 & 0x3f3f3f3fL) | (long) (((u2 >>> 4) & 0x0f0f0f0f) | (((u1 >>> 6) & 0x03030303) << 4)) << 32;
            IntVector h0 = (IntVector) ByteVector.fromMemorySegment(B, data, o + 16, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector h1 = (IntVector) ByteVector.fromMemorySegment(B, data, o + 32, LE).convertShape(VectorOperators.B2I, I, 0);
            int xs = xOff + s * QK;
            for (int j = 0; j < 4; j++) {
                int sh = 16 * j;
                float sc1 = d * (int) ((scales >>> sh) & 0xFF), m1 = dmin * (int) ((mins >>> sh) & 0xFF);
                float sc2 = d * (int) ((scales >>> (sh + 8)) & 0xFF), m2 = dmin * (int) ((mins >>> (sh + 8)) & 0xFF);
                IntVector t1 = IOTA16.mul(sc1).sub(m1).reinterpretAsInts(), t1h = IOTA16_HI.mul(sc1).sub(m1).reinterpretAsInts();
                IntVector t2 = IOTA16.mul(sc2).sub(m2).reinterpretAsInts(), t2h = IOTA16_HI.mul(sc2).sub(m2).reinterpretAsInts();
                long qo = o + 48 + 32L * j;
                int xl = xs + 64 * j;
                IntVector q0 = (IntVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector q1 = (IntVector) ByteVector.fromMemorySegment(B, data, qo + 16, LE).convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector hb0 = h0.lanewise(VectorOperators.LSHR, 2 * j), hb1 = h1.lanewise(VectorOperators.LSHR, 2 * j);
                IntVector i0 = q0.and(0x0F).or(hb0.and(1).lanewise(VectorOperators.LSHL, 4));
                IntVector i1 = q1.and(0x0F).or(hb1.and(1).lanewise(VectorOperators.LSHL, 4));
                IntVector i2 = q0.lanewise(VectorOperators.LSHR, 4).or(hb0.and(2).lanewise(VectorOperators.LSHL, 3));
                IntVector i3 = q1.lanewise(VectorOperators.LSHR, 4).or(hb1.and(2).lanewise(VectorOperators.LSHL, 3));
                a0 = i0.selectFrom(t1, t1h).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl), a0);
                a1 = i1.selectFrom(t1, t1h).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl + 16), a1);
                a2 = i2.selectFrom(t2, t2h).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl + 32), a2);
                a3 = i3.selectFrom(t2, t2h).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xl + 48), a3);
            }
        }
        FloatVector acc = a0.add(a1).add(a2.add(a3));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    /** Any FAST width: per sub-block {@code d·scale·Σq·x - dmin·min·Σx}, widening the quants to floats. */
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
                long qo = o + 48 + 32L * j;
                int xl = xs + 64 * j;
                FloatVector sLo = FloatVector.zero(F), sHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F), xHi = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    ByteVector q = ByteVector.fromMemorySegment(B, data, qo + k, LE);
                    // bits 2j and 2j+1 of qh, moved to bit 4 of each byte (shifting int lanes, masking bytes)
                    var h = ByteVector.fromMemorySegment(B, data, o + 16 + k, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, 2 * j);
                    ByteVector lo = q.and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x10));
                    ByteVector hi = q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHL, 3).reinterpretAsBytes().and((byte) 0x10));
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
                int u1 = 1 << (2 * j), u2 = 2 << (2 * j);
                long qo = o + 48 + 32L * j;
                for (int l = 0; l < 32; l++) {
                    int q = Blocks.u8(data, qo + l);
                    int h = Blocks.u8(data, o + 16 + l);
                    out[y + 64 * j + l] = d1 * ((q & 0xF) + ((h & u1) != 0 ? 16 : 0)) - m1;
                    out[y + 64 * j + 32 + l] = d2 * ((q >> 4) + ((h & u2) != 0 ? 16 : 0)) - m2;
                }
            }
        }
    }
}
