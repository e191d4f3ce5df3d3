package dev.steer4j.steer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A trained LoReFT intervention (Wu et al. 2024, "ReFT: Representation Finetuning for Language Models"). At
 * {@code blocks.L.hook_resid_post} of each of its layers, at the positions {@link ReftPositions} selects, a row h
 * becomes
 * <pre>
 *   h + Rᵀ (W h + b − R h)
 * </pre>
 * with R (rank × n_embd, orthonormal rows), W (rank × n_embd) and b (rank): the component of h in the r-dimensional
 * subspace spanned by R's rows is replaced by the learned projection W h + b, and the rest of h is left alone.
 * Immutable; apply it with {@link Steering#reft(ReftIntervention)}. Files: {@link ReftFile}.
 */
public final class ReftIntervention {
    /** One layer's parameters, row-major. */
    public record Layer(float[] rotation, float[] weight, float[] bias) {}

    private final int dim;
    private final int rank;
    private final ReftPositions positions;
    private final SortedMap<Integer, Layer> layers;
    private final Map<String, String> metadata;

    public ReftIntervention(int dim, int rank, ReftPositions positions, Map<Integer, Layer> layers, Map<String, String> metadata) {
        if (dim <= 0) throw new IllegalArgumentException("ReFT: n_embd must be positive, got " + dim);
        if (rank <= 0 || rank > dim) throw new IllegalArgumentException("ReFT: rank must be in 1.." + dim + ", got " + rank);
        if (positions == null) throw new IllegalArgumentException("ReFT: positions are null");
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("ReFT: no layers");
        TreeMap<Integer, Layer> copy = new TreeMap<>();
        for (var e : layers.entrySet()) {
            Layer l = e.getValue();
            if (e.getKey() < 0) throw new IllegalArgumentException("ReFT: layer " + e.getKey() + " is negative");
            check(l.rotation(), rank * dim, "rotation", e.getKey());
            check(l.weight(), rank * dim, "weight", e.getKey());
            check(l.bias(), rank, "bias", e.getKey());
            copy.put(e.getKey(), new Layer(l.rotation().clone(), l.weight().clone(), l.bias().clone()));
        }
        this.dim = dim;
        this.rank = rank;
        this.positions = positions;
        this.layers = Collections.unmodifiableSortedMap(copy);
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata == null ? Map.of() : metadata));
    }

    private static void check(float[] a, int n, String what, int layer) {
        if (a == null || a.length != n)
            throw new IllegalArgumentException("ReFT layer " + layer + ": " + what + " has " + (a == null ? 0 : a.length) + " values, expected " + n);
        for (int i = 0; i < a.length; i++)
            if (!Float.isFinite(a[i])) throw new IllegalArgumentException("ReFT layer " + layer + ": " + what + " holds a non-finite value " + a[i] + " at index " + i);
    }

    public int dim() { return dim; }
    public int rank() { return rank; }
    public ReftPositions positions() { return positions; }
    public SortedMap<Integer, Layer> layers() { return layers; }
    /** Provenance (model, dataset, method), as strings. */
    public Map<String, String> metadata() { return metadata; }

    /** Edits the row {@code data[off .. off+dim)} in place with layer {@code layer}'s parameters. */
    public void apply(int layer, float[] data, int off) {
        apply(layer, data, off, new double[rank]);
    }

    /** As {@link #apply(int, float[], int)}, with {@code delta} (at least {@code rank} long) as scratch: no allocation. */
    public void apply(int layer, float[] data, int off, double[] delta) {
        Layer p = layers.get(layer);
        if (p == null) throw new IllegalArgumentException("ReFT has no parameters for layer " + layer + " (it has " + layers.keySet() + ")");
        float[] r = p.rotation(), w = p.weight(), b = p.bias();
        for (int k = 0; k < rank; k++) {
            double rh = 0, wh = b[k];
            int base = k * dim;
            for (int j = 0; j < dim; j++) {
                double h = data[off + j];
                rh += r[base + j] * h;
                wh += w[base + j] * h;
            }
            delta[k] = wh - rh;
        }
        for (int j = 0; j < dim; j++) {
            double s = 0;
            for (int k = 0; k < rank; k++) s += r[k * dim + j] * delta[k];
            data[off + j] += (float) s;
        }
    }

    /** For example {@code ReftIntervention[rank 4, layers [2], positions f1+l1, n_embd 64]}. */
    @Override
    public String toString() {
        return "ReftIntervention[rank " + rank + ", layers " + layers.keySet() + ", positions " + positions + ", n_embd " + dim + "]";
    }
}
