package dev.steer4j.read;

import dev.steer4j.util.Similarity;
import dev.steer4j.steer.SteeringVector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Cosine similarities between directions: several vectors (methods, datasets) across their layers. */
public final class CosineMatrix {
    /** {@code values[i][j]} is the cosine of {@code labels[i]} and {@code labels[j]}. */
    public record Result(List<String> labels, double[][] values) {}

    private CosineMatrix() {}

    /** Every (vector, layer) direction against every other, labelled {@code name@L}. */
    public static Result of(Map<String, SteeringVector> vectors) {
        Map<String, float[]> dirs = new LinkedHashMap<>();
        int dim = -1;
        for (var e : vectors.entrySet()) {
            if (dim < 0) dim = e.getValue().dim();
            else if (e.getValue().dim() != dim)
                throw new IllegalArgumentException("vector " + e.getKey() + " has width " + e.getValue().dim() + " but the first vector has " + dim);
            for (var l : e.getValue().layers().entrySet()) dirs.put(e.getKey() + "@" + l.getKey(), l.getValue());
        }
        return ofDirections(dirs);
    }

    public static Result ofDirections(Map<String, float[]> dirs) {
        if (dirs.isEmpty()) throw new IllegalArgumentException("no directions to compare");
        List<String> labels = new ArrayList<>(dirs.keySet());
        List<float[]> v = new ArrayList<>(dirs.values());
        int n = v.size();
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double c = cosine(v.get(i), v.get(j));
                m[i][j] = c;
                m[j][i] = c;
            }
        }
        return new Result(labels, m);
    }

    /** cos(a, b); 0 when either is the zero vector. */
    public static double cosine(float[] a, float[] b) {
        return Similarity.cosine(a, b);
    }
}
