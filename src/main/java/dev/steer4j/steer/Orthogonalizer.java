package dev.steer4j.steer;

import dev.steer4j.util.Similarity;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import dev.steer4j.tensor.WeightMatrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Weight orthogonalisation ("abliteration"): bakes a directional ablation into the weights so that no write to the
 * residual stream has a component along the unit direction r. For every matrix whose output is added to the residual
 * stream, {@code W ← W − r (rᵀ W)}: the rows of {@code token_embd} (each row is a written vector), and the output side
 * of every {@code attn_output} and {@code ffn_down}. The result equals run-time ablation of the same direction
 * ({@link Steering#ablate(float[])}) up to float rounding.
 *
 * <p>Modified tensors are written as F32 (a quantised source is dequantised first), computed one at a time while
 * the file is written; every other tensor is copied
 * byte for byte, and the metadata is unchanged apart from {@code general.name}. When the model ties its unembedding to
 * {@code token_embd} (no {@code output.weight}), the original embedding is also written as {@code output.weight}, since
 * the unembedding reads the residual stream rather than writing it and must stay as it was.
 */
public final class Orthogonalizer {
    private Orthogonalizer() {}

    /** What was written. */
    public record Result(Path file, List<String> modified, boolean untiedOutput) {}

    /**
     * Writes {@code model} with {@code direction} orthogonalised out of its residual writes to {@code out}.
     *
     * @param name the new {@code general.name}, or null for the old name + " (orthogonalized)"
     */
    public static Result write(Model model, float[] direction, Path out, String name) {
        int dim = model.config().dim();
        if (direction == null || direction.length != dim)
            throw new IllegalArgumentException("direction has n_embd " + (direction == null ? 0 : direction.length) + " but model " + Steering.modelName(model) + " has " + dim);
        float[] r = Steering.unit(direction, "orthogonalisation direction");
        GGUFFile f = model.file();
        if (f.path() != null && out.toAbsolutePath().normalize().equals(f.path().toAbsolutePath().normalize()))
            throw new IllegalArgumentException("refusing to overwrite the model being read (" + out + "); choose another output file");
        GGUFWriter w = new GGUFWriter();
        w.putAll(f.metadata());
        String old = f.getString("general.name", Steering.modelName(model));
        w.put("general.name", GGUFValue.of(name != null ? name : old + " (orthogonalized)"));

        List<String> modified = new ArrayList<>();
        boolean tied = f.tensor("output.weight") == null;
        for (GGUFTensorInfo t : f.tensors().values()) {
            String n = t.name();
            if (n.equals("token_embd.weight")) {
                w.addF32(n, t.dims(), () -> {
                    float[] m = model.tokenEmbedding().toFloatArray();
                    projectRows(m, model.tokenEmbedding().rows(), dim, r);
                    return m;
                });
                modified.add(n);
                if (tied) w.addSegment("output.weight", t.dims(), t.type(), t.data());
            } else if (n.matches("blk\\.\\d+\\.(attn_output|ffn_down)\\.weight")) {
                int layer = Integer.parseInt(n.substring(4, n.indexOf('.', 4)));
                WeightMatrix wm = n.contains("attn_output") ? model.layer(layer).wo() : model.layer(layer).ffnDown();
                w.addF32(n, t.dims(), () -> {
                    float[] m = wm.toFloatArray();
                    projectColumns(m, wm.rows(), wm.cols(), r);
                    return m;
                });
                modified.add(n);
            } else {
                w.addSegment(n, t.dims(), t.type(), t.data());
            }
        }
        try {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        return new Result(out, List.copyOf(modified), tied);
    }

    /** Each row x of a rows × dim matrix becomes x − (x·r) r. */
    static void projectRows(float[] m, int rows, int dim, float[] r) {
        for (int i = 0; i < rows; i++) {
            int off = i * dim;
            double dot = Similarity.dot(m, off, r, dim);
            for (int j = 0; j < dim; j++) m[off + j] = (float) (m[off + j] - dot * r[j]);
        }
    }

    /** W (dim × cols, row-major; y = W x lands in the residual stream) becomes W − r (rᵀ W). */
    static void projectColumns(float[] m, int rows, int cols, float[] r) {
        double[] c = new double[cols];
        for (int i = 0; i < rows; i++) {
            int off = i * cols;
            double ri = r[i];
            for (int j = 0; j < cols; j++) c[j] += ri * m[off + j];
        }
        for (int i = 0; i < rows; i++) {
            int off = i * cols;
            double ri = r[i];
            for (int j = 0; j < cols; j++) m[off + j] = (float) (m[off + j] - ri * c[j]);
        }
    }

}
