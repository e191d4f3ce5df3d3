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

/**
 * Records, for every position of one sequence, the projection of {@code blocks.L.hook_resid_post} on a unit
 * direction, in the same forward passes that serve the request. Registered after the request's steering and guard,
 * so it sees the steered stream.
 */
final class ProjectionProbe {
    private final String label;
    private final int layer;
    private final float[] unit;
    private float[] values = new float[64];
    private int count;

    ProjectionProbe(String label, int layer, float[] direction) {
        this.label = label;
        this.layer = layer;
        double n = Similarity.norm(direction);
        if (!(n > 0)) throw ApiException.invalid("projection", "the projection direction of " + label + " at layer " + layer + " is zero");
        this.unit = new float[direction.length];
        for (int i = 0; i < unit.length; i++) unit[i] = (float) (direction[i] / n);
    }

    void attach(SequenceState seq) {
        seq.hooks().add(HookPoint.residPost(layer), a -> {
            float[] d = a.data();
            int w = a.width();
            for (int r = 0; r < a.rows(); r++) {
                int pos = a.position(r);
                if (pos >= values.length) values = Arrays.copyOf(values, Math.max(pos + 1, values.length * 2));
                values[pos] = (float) Similarity.dot(d, a.offset(r), unit, w);
                count = Math.max(count, pos + 1);
            }
        });
    }

    /** {vector/detector, layer, tokens: [{text, value, generated}]} for positions 1.. (BOS left out). */
    Map<String, Object> report(SequenceState seq, Tokenizer tok) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", label);
        m.put("layer", layer);
        List<Map<String, Object>> tokens = new ArrayList<>();
        int n = Math.min(count, seq.position());
        int pl = seq.promptLength();
        for (int p = 0; p < n; p++) {
            int t = seq.token(p);
            if (p == 0 && t == tok.bos()) continue;
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("text", new String(tok.tokenBytes(t), StandardCharsets.UTF_8));
            x.put("value", Math.round(values[p] * 1e4) / 1e4);
            x.put("generated", p >= pl);
            tokens.add(x);
        }
        m.put("tokens", tokens);
        return m;
    }
}
