package dev.steer4j.train;

import dev.steer4j.model.LayerWeights;
import dev.steer4j.model.Model;
import dev.steer4j.tensor.WeightMatrix;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trainable copies of chosen model matrices (for methods that edit weights, such as RMU), keyed by their GGUF
 * names ({@code blk.L.ffn_down.weight}). The originals stay mmapped and untouched; the copies are double precision
 * and become the edited model's F32 tensors when written.
 */
public final class WeightEdits implements TrainingHooks {
    private final Map<String, Param> params = new LinkedHashMap<>();
    private final Map<String, Tensor> onTape = new java.util.HashMap<>();
    private Tape tape;

    /** Copies {@code weights} (attn_q, ..., ffn_down) of each of {@code layers}. */
    public WeightEdits(Model model, int[] layers, List<String> weights) {
        for (int l : layers) {
            if (l < 0 || l >= model.config().layers()) throw new IllegalArgumentException("layer " + l + " is outside 0-" + (model.config().layers() - 1));
            for (String w : weights) {
                WeightMatrix m = matrix(model.layer(l), w);
                double[] v = new double[m.rows() * m.cols()];
                float[] row = new float[m.cols()];
                for (int r = 0; r < m.rows(); r++) {
                    m.dequantizeRow(r, row, 0);
                    for (int c = 0; c < row.length; c++) v[r * m.cols() + c] = row[c];
                }
                params.put(ggufName(l, w), new Param(ggufName(l, w), m.rows(), m.cols(), v));
            }
        }
    }

    public static String ggufName(int layer, String weight) { return "blk." + layer + "." + weight + ".weight"; }

    static WeightMatrix matrix(LayerWeights w, String name) {
        return switch (name) {
            case "attn_q" -> w.wq();
            case "attn_k" -> w.wk();
            case "attn_v" -> w.wv();
            case "attn_output" -> w.wo();
            case "ffn_gate" -> w.ffnGate();
            case "ffn_up" -> w.ffnUp();
            case "ffn_down" -> w.ffnDown();
            default -> throw new IllegalArgumentException("unknown weight '" + name + "' (attn_q, attn_k, attn_v, attn_output, ffn_gate, ffn_up, ffn_down)");
        };
    }

    public List<Param> params() { return new ArrayList<>(params.values()); }

    public Map<String, Param> byName() { return Map.copyOf(params); }

    /** Binds the parameters to the tape of the next forward pass. */
    public WeightEdits on(Tape t) {
        this.tape = t;
        onTape.clear();
        return this;
    }

    @Override
    public Tensor weight(Tape t, int layer, String weight) {
        Param p = params.get(ggufName(layer, weight));
        if (p == null) return null;
        if (t != tape) throw new IllegalStateException("WeightEdits used on a tape it was not bound to (call on(tape) first)");
        return onTape.computeIfAbsent(p.name, k -> t.param(p));
    }

    /** Row-major float copy of a parameter, as a GGUF F32 tensor stores it. */
    public static float[] toFloats(Param p) {
        float[] f = new float[p.value.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) p.value[i];
        return f;
    }
}
