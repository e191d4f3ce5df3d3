package dev.steer4j.eval;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The happy − sad vector of the tests: for each layer, the mean over three pairs of {@code resid_post} at the last
 * token of the positive prompt minus that of the negative one (the pairs of reference/stories260K/mean_difference.json).
 */
public final class HappySad {
    public static final String[][] PAIRS = {
            {"Once upon a time, there was a happy", "Once upon a time, there was a sad"},
            {"She was very happy", "She was very sad"},
            {"The happy dog", "The sad dog"}};

    private HappySad() {}

    public static SteeringVector vector(ForwardPass fp, int fromLayer, int toLayer) {
        Model m = fp.model();
        List<HookPoint> points = new ArrayList<>();
        for (int l = fromLayer; l <= toLayer; l++) points.add(HookPoint.residPost(l));
        Map<Integer, float[]> dirs = new TreeMap<>();
        for (String[] p : PAIRS) {
            ActivationCache pos = ActivationCache.run(fp, m.tokenizer().encode(p[0]), points);
            ActivationCache neg = ActivationCache.run(fp, m.tokenizer().encode(p[1]), points);
            for (HookPoint h : points) {
                float[][] a = pos.get(h), b = neg.get(h);
                float[] d = dirs.computeIfAbsent(h.layer(), k -> new float[m.config().dim()]);
                for (int i = 0; i < d.length; i++) d[i] += (a[a.length - 1][i] - b[b.length - 1][i]) / PAIRS.length;
            }
        }
        return SteeringVector.of(dirs, VectorMetadata.unknown());
    }
}
