package dev.steer4j.steer;

import dev.steer4j.runtime.Activations;
import dev.steer4j.runtime.Hook;
import dev.steer4j.tensor.VectorMath;
import dev.steer4j.util.Similarity;

/** The hook that runs one {@link SteeringPlan.Point} on every row: ablate, add, clamp, then rescale (keep-norm). */
final class SteeringKernel implements Hook {
    private final float[][] ablate;
    private final PositionFilter[] addFilters;
    private final float[][] adds;
    private final float[][] clampDirs;
    private final float[] clampValues;
    private final PositionFilter[] clampFilters;
    private final boolean keepNorm;
    private final CastGate gate;

    SteeringKernel(SteeringPlan.Point p, boolean keepNorm, CastGate gate) {
        this.ablate = p.ablate.toArray(float[][]::new);
        this.addFilters = p.adds.keySet().toArray(PositionFilter[]::new);
        this.adds = p.adds.values().toArray(float[][]::new);
        this.clampDirs = p.clampDirs.toArray(float[][]::new);
        this.clampValues = new float[p.clampValues.size()];
        for (int i = 0; i < clampValues.length; i++) clampValues[i] = p.clampValues.get(i);
        this.clampFilters = p.clampFilters.toArray(PositionFilter[]::new);
        this.keepNorm = keepNorm && (adds.length > 0 || clampDirs.length > 0);
        this.gate = gate;
    }

    @Override
    public void apply(Activations a) {
        if (gate != null && !gate.active()) return;
        float[] d = a.data();
        int w = a.width();
        int pl = a.promptLength();
        for (int r = 0, rows = a.rows(); r < rows; r++) {
            int off = a.offset(r);
            int pos = a.position(r);
            for (float[] u : ablate) VectorMath.axpy((float) -Similarity.dot(d, off, u, w), u, 0, d, off, w);
            double before = keepNorm ? Similarity.norm(d, off, w) : 0;
            boolean changed = false;
            for (int k = 0; k < adds.length; k++) {
                if (addFilters[k].test(pos, pl)) {
                    VectorMath.add(adds[k], 0, d, off, w);
                    changed = true;
                }
            }
            for (int k = 0; k < clampDirs.length; k++) {
                if (clampFilters[k].test(pos, pl)) {
                    float[] u = clampDirs[k];
                    VectorMath.axpy((float) (clampValues[k] - Similarity.dot(d, off, u, w)), u, 0, d, off, w);
                    changed = true;
                }
            }
            if (keepNorm && changed) {
                double after = Similarity.norm(d, off, w);
                if (after > 0) {
                    float s = (float) (before / after);
                    for (int i = 0; i < w; i++) d[off + i] *= s;
                }
            }
        }
    }
}
