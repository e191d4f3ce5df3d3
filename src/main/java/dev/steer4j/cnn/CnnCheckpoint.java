package dev.steer4j.cnn;

import dev.steer4j.format.pytorch.FloatTensor;
import dev.steer4j.format.pytorch.TorchCheckpoint;
import dev.steer4j.format.safetensors.SafetensorsFile;
import dev.steer4j.format.safetensors.SafetensorsTensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a CNN's state dict from a PyTorch checkpoint ({@code .pth}/{@code .pt}, through the safe unpickler) or a
 * {@code .safetensors} file (F32, F16 or BF16, widened to float32), and builds the network.
 */
public final class CnnCheckpoint {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private CnnCheckpoint() {}

    public static boolean isSafetensors(Path p) { return p.getFileName().toString().endsWith(".safetensors"); }

    public static Map<String, FloatTensor> readStateDict(Path path) {
        if (!isSafetensors(path)) return TorchCheckpoint.readStateDict(path);
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            for (var e : f.tensors().entrySet()) out.put(e.getKey(), toFloat(path, e.getValue()));
        }
        return out;
    }

    /** An IMPALA CNN reading 64×64 frames from {@code path}. */
    public static ImpalaCnn loadImpala(Path path) {
        return ImpalaCnn.fromStateDict(readStateDict(path), 64, 64);
    }

    private static FloatTensor toFloat(Path path, SafetensorsTensor t) {
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' is too large");
        int[] shape = new int[t.shape().length];
        for (int i = 0; i < shape.length; i++) shape[i] = Math.toIntExact(t.shape()[i]);
        float[] d = new float[(int) n];
        for (int i = 0; i < d.length; i++) {
            d[i] = switch (t.dtype()) {
                case F32 -> t.data().getAtIndex(F32, i);
                case F16 -> Float.float16ToFloat(t.data().getAtIndex(I16, i));
                case BF16 -> Float.intBitsToFloat((t.data().getAtIndex(I16, i) & 0xffff) << 16);
            };
        }
        return new FloatTensor(t.name(), shape, d);
    }
}
