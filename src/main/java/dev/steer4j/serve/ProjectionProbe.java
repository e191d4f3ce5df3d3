package dev.steer4j.serve;

import dev.steer4j.util.Similarity;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Records, for every position of one sequence, the projection of {@code blocks.L.hook_resid_post} on a unit
 * direction, in the same forward passes that serve the request; for one layer or, with {@code projection.layers},
 * for several (one direction per layer: a heatmap of tokens by layers). Registered after the request's steering and
 * guard, so it sees the steered stream.
 */
final class ProjectionProbe {
    private final String label;
    private final int[] layers;
    private final float[][] units;
    private final float[][] values;
    private final boolean several;
    private int count;

    ProjectionProbe(String label, int layer, float[] direction) {
        this(label, new TreeMap<>(Map.of(layer, direction)), false);
    }

    /** One direction per layer; {@code several} adds the {@code layers} rows to the report. */
    ProjectionProbe(String label, SortedMap<Integer, float[]> directions, boolean several) {
        this.label = label;
        this.several = several;
        this.layers = directions.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.units = new float[layers.length][];
        this.values = new float[layers.length][64];
        int i = 0;
        for (var e : directions.entrySet()) {
            float[] direction = e.getValue();
            double n = Similarity.norm(direction);
            if (!(n > 0)) throw ApiException.invalid("projection", "the projection direction of " + label + " at layer " + e.getKey() + " is zero");
            float[] u = new float[direction.length];
            for (int k = 0; k < u.length; k++) u[k] = (float) (direction[k] / n);
            units[i++] = u;
        }
    }

    void attach(SequenceState seq) {
        for (int i = 0; i < layers.length; i++) {
            int row = i;
            seq.hooks().add(HookPoint.residPost(layers[i]), a -> {
                float[] d = a.data();
                int w = a.width();
                for (int r = 0; r < a.rows(); r++) {
                    int pos = a.position(r);
                    if (pos >= values[row].length) values[row] = Arrays.copyOf(values[row], Math.max(pos + 1, values[row].length * 2));
                    values[row][pos] = (float) Similarity.dot(d, a.offset(r), units[row], w);
                    count = Math.max(count, pos + 1);
                }
            });
        }
    }

    /**
     * {source, layer, tokens: [{text, value, generated}]} for positions 1.. (BOS left out), the values at the first
     * layer; with several layers also {layers: [{layer, values: [...]}]}, each row aligned with {@code tokens}.
     */
    Map<String, Object> report(SequenceState seq, Tokenizer tok) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", label);
        m.put("layer", layers[0]);
        List<Map<String, Object>> tokens = new ArrayList<>();
        List<List<Double>> rows = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) rows.add(new ArrayList<>());
        int n = Math.min(count, seq.position());
        int pl = seq.promptLength();
        for (int p = 0; p < n; p++) {
            int t = seq.token(p);
            if (p == 0 && t == tok.bos()) continue;
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("text", new String(tok.tokenBytes(t), StandardCharsets.UTF_8));
            x.put("value", round(values[0][p]));
            x.put("generated", p >= pl);
            tokens.add(x);
            for (int i = 0; i < layers.length; i++) rows.get(i).add(round(values[i][p]));
        }
        m.put("tokens", tokens);
        if (several) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; i < layers.length; i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", layers[i]);
                row.put("values", rows.get(i));
                out.add(row);
            }
            m.put("layers", out);
        }
        return m;
    }

    private static double round(float v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
