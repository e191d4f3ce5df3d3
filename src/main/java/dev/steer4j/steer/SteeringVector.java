package dev.steer4j.steer;

import dev.steer4j.util.Similarity;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A steering vector: an immutable map from layer to a direction of width n_embd, plus where it came from. Scaling,
 * adding and normalising return new vectors; reading and writing files is a separate concern
 * (see the vector file readers and writers in this package).
 */
public final class SteeringVector {
    private final NavigableMap<Integer, float[]> layers;
    private final int dim;
    private final VectorMetadata metadata;

    private SteeringVector(NavigableMap<Integer, float[]> layers, int dim, VectorMetadata metadata) {
        this.layers = layers;
        this.dim = dim;
        this.metadata = metadata;
    }

    /** Copies the directions; every direction must have the same width. */
    public static SteeringVector of(Map<Integer, float[]> directions, VectorMetadata metadata) {
        if (directions.isEmpty()) throw new IllegalArgumentException("a steering vector needs at least one layer");
        TreeMap<Integer, float[]> copy = new TreeMap<>();
        int dim = -1;
        for (Map.Entry<Integer, float[]> e : directions.entrySet()) {
            if (e.getKey() < 0) throw new IllegalArgumentException("layer " + e.getKey() + " is negative");
            float[] v = e.getValue();
            if (dim < 0) dim = v.length;
            else if (v.length != dim)
                throw new IllegalArgumentException("layer " + e.getKey() + " has width " + v.length + " but layer " + copy.firstKey() + " has " + dim);
            for (float x : v) if (!Float.isFinite(x)) throw new IllegalArgumentException("layer " + e.getKey() + " holds a non-finite value " + x);
            copy.put(e.getKey(), v.clone());
        }
        return new SteeringVector(copy, dim, metadata == null ? VectorMetadata.unknown() : metadata);
    }

    /** One direction at one layer. */
    public static SteeringVector single(int layer, float[] direction, VectorMetadata metadata) {
        return of(Map.of(layer, direction), metadata);
    }

    public int dim() { return dim; }
    public VectorMetadata metadata() { return metadata; }
    /** The layers that carry a direction, ascending. */
    public NavigableMap<Integer, float[]> layers() { return Collections.unmodifiableNavigableMap(layers); }
    public boolean has(int layer) { return layers.containsKey(layer); }

    /** A copy of the direction at {@code layer}. */
    public float[] get(int layer) {
        float[] v = layers.get(layer);
        if (v == null) throw new IllegalArgumentException("the vector has no direction for layer " + layer + " (layers: " + layers.keySet() + ")");
        return v.clone();
    }

    /** Direction at layer without copying; callers must not modify it. */
    float[] raw(int layer) { return layers.get(layer); }

    public SteeringVector scale(double s) {
        TreeMap<Integer, float[]> out = new TreeMap<>();
        layers.forEach((l, v) -> {
            float[] c = new float[v.length];
            for (int i = 0; i < v.length; i++) c[i] = (float) (v[i] * s);
            out.put(l, c);
        });
        return new SteeringVector(out, dim, metadata);
    }

    /** Layer-wise sum; a layer present in only one vector keeps that vector's direction. */
    public SteeringVector plus(SteeringVector o) {
        if (o.dim != dim) throw new IllegalArgumentException("cannot add vectors of width " + dim + " and " + o.dim);
        TreeMap<Integer, float[]> out = new TreeMap<>();
        layers.forEach((l, v) -> out.put(l, v.clone()));
        o.layers.forEach((l, v) -> {
            float[] c = out.get(l);
            if (c == null) out.put(l, v.clone());
            else for (int i = 0; i < v.length; i++) c[i] += v[i];
        });
        return new SteeringVector(out, dim, metadata);
    }

    /** Every direction scaled to unit L2 norm (zero directions stay zero). */
    public SteeringVector normalized() {
        TreeMap<Integer, float[]> out = new TreeMap<>();
        layers.forEach((l, v) -> {
            double n = norm(v);
            float[] c = new float[v.length];
            if (n > 0) for (int i = 0; i < v.length; i++) c[i] = (float) (v[i] / n);
            out.put(l, c);
        });
        return new SteeringVector(out, dim, metadata);
    }

    /** Only the layers in [from, to]. */
    public SteeringVector restrict(int from, int to) {
        NavigableMap<Integer, float[]> sub = layers.subMap(from, true, to, true);
        if (sub.isEmpty()) throw new IllegalArgumentException("the vector has no layers in " + from + "-" + to + " (layers: " + layers.keySet() + ")");
        return new SteeringVector(new TreeMap<>(sub), dim, metadata);
    }

    public SteeringVector withMetadata(VectorMetadata m) { return new SteeringVector(layers, dim, m); }

    public static double norm(float[] v) {
        return Similarity.norm(v);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SteeringVector s) || s.dim != dim || !s.layers.keySet().equals(layers.keySet())) return false;
        for (var e : layers.entrySet()) if (!Arrays.equals(e.getValue(), s.layers.get(e.getKey()))) return false;
        return true;
    }

    @Override
    public int hashCode() { return layers.keySet().hashCode() * 31 + dim; }

    @Override
    public String toString() {
        return "SteeringVector[dim=" + dim + ", layers=" + layers.keySet() + ", method=" + metadata.method() + "]";
    }
}
