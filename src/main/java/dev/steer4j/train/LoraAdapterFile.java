package dev.steer4j.train;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFFormatException;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import dev.steer4j.tensor.WeightMatrix;
import dev.steer4j.train.grad.Param;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A LoRA adapter as a GGUF file in llama.cpp's layout (what its {@code convert_lora_to_gguf.py} writes and
 * {@code --lora FILE} loads): {@code general.type = "adapter"}, {@code general.architecture} of the base model,
 * {@code adapter.type = "lora"}, {@code adapter.lora.alpha} (float32), and for each adapted weight two tensors
 * <ul>
 * <li>{@code blk.L.NAME.weight.lora_a}: GGUF shape [in, rank] (rank rows of in values: A),</li>
 * <li>{@code blk.L.NAME.weight.lora_b}: GGUF shape [rank, out] (out rows of rank values: B),</li>
 * </ul>
 * so that llama.cpp adds (alpha / rank)·B·A·x to the weight's output, rank being lora_b's first dimension. Written as
 * F32; read back from any tensor type steer4j can dequantise.
 */
public final class LoraAdapterFile {
    private LoraAdapterFile() {}

    /**
     * @param architecture the base model's {@code general.architecture} (llama.cpp refuses an adapter of another)
     * @param extra        further string metadata (for example {@code steer4j.adapter.method})
     */
    public static void write(Lora lora, String architecture, Path out, String name, Map<String, String> extra) {
        GGUFWriter w = new GGUFWriter();
        w.putString("general.architecture", architecture);
        w.putString("general.type", "adapter");
        w.putString("general.name", name);
        w.putString("adapter.type", "lora");
        w.putFloat32("adapter.lora.alpha", (float) lora.alpha());
        new TreeMap<>(extra).forEach(w::putString);
        for (Lora.Pair p : lora.pairs()) {
            w.addF32(p.a().name, new long[]{p.in(), lora.rank()}, WeightEdits.toFloats(p.a()));
            w.addF32(p.b().name, new long[]{lora.rank(), p.out()}, WeightEdits.toFloats(p.b()));
        }
        try {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code lora} for {@code model}'s architecture. */
    public static void write(Lora lora, Model model, Path out, String name, Map<String, String> extra) {
        write(lora, model.config().architecture().ggufName, out, name, extra);
    }

    /** Reads an adapter; errors name the file and the offending key or tensor. */
    public static Lora read(Path file) {
        try (GGUFFile f = GGUFFile.open(file)) {
            String type = f.getString("general.type", "");
            if (!"adapter".equals(type))
                throw new IllegalArgumentException(file + ": general.type is '" + type + "', expected 'adapter' (is this a model rather than a LoRA adapter?)");
            String adapter = f.getString("adapter.type", "");
            if (!"lora".equals(adapter)) throw new IllegalArgumentException(file + ": adapter.type is '" + adapter + "', expected 'lora'");
            if (!f.has("adapter.lora.alpha")) throw new IllegalArgumentException(file + ": adapter.lora.alpha is missing");
            double alpha = f.getFloat("adapter.lora.alpha", 0);
            Map<String, GGUFTensorInfo[]> ab = new TreeMap<>();
            for (GGUFTensorInfo t : f.tensors().values()) {
                String n = t.name();
                int side = n.endsWith(".lora_a") ? 0 : n.endsWith(".lora_b") ? 1 : -1;
                if (side < 0) {
                    if (n.endsWith("_norm.weight")) continue; // llama.cpp skips these too
                    throw new IllegalArgumentException(file + ": tensor '" + n + "' is neither .lora_a nor .lora_b");
                }
                if (t.dims().length != 2) throw new IllegalArgumentException(file + ": tensor '" + n + "' has " + t.dims().length + " dimensions, expected 2");
                ab.computeIfAbsent(n.substring(0, n.length() - 7), k -> new GGUFTensorInfo[2])[side] = t;
            }
            if (ab.isEmpty()) throw new IllegalArgumentException(file + ": no LoRA tensors");
            Lora lora = null;
            for (var e : ab.entrySet()) {
                GGUFTensorInfo a = e.getValue()[0], b = e.getValue()[1];
                if (a == null || b == null)
                    throw new IllegalArgumentException(file + ": tensor '" + e.getKey() + "' has " + (a == null ? "no .lora_a" : "no .lora_b"));
                int in = (int) a.dims()[0], rank = (int) a.dims()[1], out = (int) b.dims()[1];
                if (b.dims()[0] != rank)
                    throw new IllegalArgumentException(file + ": '" + e.getKey() + "' lora_a has rank " + rank + " but lora_b " + b.dims()[0] + " (lora_a must be stored transposed, [in, rank])");
                if (lora == null) lora = new Lora(rank, alpha);
                lora.add(new Lora.Pair(e.getKey(), param(a, rank, in), param(b, out, rank)));
            }
            return lora;
        } catch (GGUFFormatException e) {
            throw new IllegalArgumentException(file + ": not a readable GGUF adapter (" + e.getMessage() + ")", e);
        }
    }

    private static Param param(GGUFTensorInfo t, int rows, int cols) {
        WeightMatrix m = WeightMatrix.of(t.name(), t.type(), t.data(), rows, cols);
        double[] v = new double[rows * cols];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, row, 0);
            for (int c = 0; c < cols; c++) v[r * cols + c] = row[c];
        }
        return new Param(t.name(), rows, cols, v);
    }
}
