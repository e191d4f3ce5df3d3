package dev.steer4j.steer.extract;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.Prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Extracts a steering vector from contrastive data:
 * <pre>{@code
 * ExtractionResult r = Extraction.builder(model)
 *         .method(Method.PCA_DIFF).layers(1, 2, 3, 4).site(HookSite.RESID_POST).read(ReadPosition.LAST)
 *         .run(dataset, (done, total) -> {});
 * SteeringVector v = r.vector();            // one direction per layer, with metadata
 * System.out.print(r.table());              // AUROC and d per layer
 * }</pre>
 *
 * <p>Every prompt runs through the model once; the chosen site is captured at every chosen layer in that pass.
 *
 * <p>Scale: {@code actadd} and {@code mean} return the raw activation difference. {@code pca-diff},
 * {@code pca-center} and {@code probe} find a unit direction u and return {@code u * (mean_pos . u - mean_neg . u)},
 * the class-mean difference along u, so a coefficient of 1 moves the activations by about the distance between the
 * classes whichever method made the vector ({@link Builder#unit} returns unit vectors instead). The sign is always
 * oriented so positives project higher than negatives.
 */
public final class Extraction {
    private Extraction() {}

    public static Builder builder(Model model) { return new Builder(model); }

    public static final class Builder {
        private final Model model;
        private ForwardPass forward;
        private Method method = Method.MEAN;
        private int[] layers;
        private HookSite site = HookSite.RESID_POST;
        private ReadPosition read;
        private double l2 = LogisticProbe.DEFAULT_L2;
        private int probeIterations = 500;
        private boolean unit;
        private int pair = -1;

        private Builder(Model model) { this.model = model; }

        public Builder method(Method m) { this.method = m; return this; }
        public Builder method(String m) { return method(Method.parse(m)); }

        /** Layers to extract at (default: every layer). */
        public Builder layers(int... layers) {
            if (layers.length == 0) throw new IllegalArgumentException("no layers given");
            this.layers = layers.clone();
            return this;
        }

        public Builder layers(List<Integer> layers) { return layers(layers.stream().mapToInt(Integer::intValue).toArray()); }

        public Builder site(HookSite s) {
            if (!s.residualWidth())
                throw new IllegalArgumentException("cannot extract a steering vector at " + s.suffix + ": vectors live on the residual stream (resid_pre, attn_out, resid_mid, mlp_out, resid_post)");
            this.site = s;
            return this;
        }

        /** A site name: {@code resid_post}, {@code hook_mlp_out}, or a full hook name such as {@code blocks.2.hook_attn_out} (its layer is ignored; use {@link #layers}). */
        public Builder site(String s) { return site(parseSite(s)); }

        /**
         * Read position (default: {@code diff} for ActAdd, whose padded prompts align position by position;
         * {@code answer} for datasets with marked answers; else {@code last}).
         */
        public Builder read(ReadPosition r) { this.read = r; return this; }
        public Builder read(String r) { return read(ReadPosition.parse(r)); }

        /** L2 strength of the probe on standardised features (default {@value LogisticProbe#DEFAULT_L2}). */
        public Builder l2(double l2) {
            if (!(l2 >= 0)) throw new IllegalArgumentException("l2 must be >= 0, got " + l2);
            this.l2 = l2;
            return this;
        }

        public Builder probeIterations(int n) { this.probeIterations = n; return this; }

        /** Return unit-norm directions instead of class-separation-scaled ones. */
        public Builder unit(boolean unit) { this.unit = unit; return this; }

        /** For ActAdd: which pair of the dataset to use (needed when it has more than one). */
        public Builder pair(int index) { this.pair = index; return this; }

        /** Runs the extraction with a shared forward pass (default: a new one on the shared thread pool). */
        public Builder forwardPass(ForwardPass fp) { this.forward = fp; return this; }

        public ExtractionResult run(ContrastiveDataset data) { return run(data, ProgressListener.NONE); }

        public ExtractionResult run(ContrastiveDataset data, ProgressListener progress) {
            int n = model.config().layers();
            int[] ls = layers != null ? layers : java.util.stream.IntStream.range(0, n).toArray();
            for (int l : ls) HookPoint.of(site, l).checkLayer(n);
            ReadPosition rp = read != null ? read : method == Method.ACTADD ? ReadPosition.DIFF
                    : data.hasAnswers() ? ReadPosition.ANSWER : ReadPosition.LAST;
            ContrastiveDataset d = data;
            if (method == Method.ACTADD) {
                d.requirePairs("method actadd uses one pair");
                int count = d.positives().size();
                if (pair < 0 && count != 1)
                    throw new IllegalArgumentException("method actadd uses one pair, but dataset " + d.name() + " has " + count + " (choose one with pair/--pair 0.." + (count - 1) + ")");
                int idx = Math.max(pair, 0);
                if (idx >= count) throw new IllegalArgumentException("pair " + idx + " does not exist (dataset " + d.name() + " has " + count + " pairs)");
                d = new ContrastiveDataset(d.name(), d.sha256(), d.format(), List.of(d.positives().get(idx)),
                        List.of(d.negatives().get(idx)), d.positiveSource(), d.negativeSource());
            }
            if (method.needsPairs) d.requirePairs("method " + method.id + " pairs them by index");
            if (rp == ReadPosition.DIFF) d.requirePairs("read position diff compares the prompts of each pair");
            boolean paired = d.format() != dev.steer4j.steer.data.DatasetFormat.LISTS || method.needsPairs || rp == ReadPosition.DIFF;
            paired &= d.paired();
            ForwardPass fp = forward != null ? forward : new ForwardPass(model);
            ActivationCollector collector = new ActivationCollector(model, fp, site, ls, rp);
            Map<Integer, Samples> samples = collector.collect(d, paired, method == Method.ACTADD, progress);

            Map<Integer, float[]> directions = new TreeMap<>();
            List<LayerSeparation> seps = new ArrayList<>();
            for (int l : ls) {
                Samples s = samples.get(l);
                Directions.Result dir = Directions.compute(method, s, unit, l2, probeIterations);
                float[] v = new float[dir.vector().length];
                for (int i = 0; i < v.length; i++) v[i] = (float) dir.vector()[i];
                directions.put(l, v);
                double[] u = Stats.unit(dir.vector());
                double[] pp = Stats.project(s.positives(), u), pn = Stats.project(s.negatives(), u);
                seps.add(new LayerSeparation(l, dev.steer4j.util.Auroc.of(pp, pn), Stats.standardizedDifference(pp, pn),
                        Stats.norm(dir.vector()), dir.explained(), s.positives().size(), s.negatives().size()));
            }
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("layers", formatLayers(ls));
            extra.put("scale", unit ? "unit" : (method == Method.MEAN || method == Method.ACTADD) ? "raw difference" : "class-mean difference along the direction");
            extra.put("positives", Integer.toString(d.positives().size()));
            extra.put("negatives", Integer.toString(d.negatives().size()));
            extra.put("format", d.format().id);
            extra.put("model_hint", model.config().architecture().ggufName); // llama.cpp's controlvector.model_hint
            if (method == Method.ACTADD) extra.put("pair", Integer.toString(Math.max(pair, 0)));
            if (method == Method.PROBE) extra.put("l2", Double.toString(l2));
            VectorMetadata meta = new VectorMetadata(method.id, siteName(site), rp.id, d.name(), d.sha256(),
                    model.config().name(), extra);
            return new ExtractionResult(SteeringVector.of(directions, meta), seps);
        }
    }

    /** resid_post, mlp_out, ...: the site's hook name without the {@code hook_} prefix. */
    public static String siteName(HookSite s) {
        return s.suffix.startsWith("hook_") ? s.suffix.substring(5) : s.suffix;
    }

    /** Parses {@code resid_post}, {@code hook_resid_post} or {@code blocks.L.hook_resid_post}. */
    public static HookSite parseSite(String s) {
        HookSite h;
        try {
            h = HookSite.parsePerLayer(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown hook site '" + s + "' (valid: resid_pre, attn_out, resid_mid, mlp_out, resid_post)", e);
        }
        if (s.trim().startsWith("blocks.")) HookPoint.parse(s.trim()); // the full name must be a real hook point too
        return h;
    }

    /** "1-4" for contiguous layers, else "1,3,5". */
    public static String formatLayers(int[] ls) {
        boolean contiguous = true;
        for (int i = 1; i < ls.length; i++) if (ls[i] != ls[i - 1] + 1) contiguous = false;
        if (contiguous && ls.length > 1) return ls[0] + "-" + ls[ls.length - 1];
        StringBuilder sb = new StringBuilder();
        for (int l : ls) sb.append(sb.isEmpty() ? "" : ",").append(l);
        return sb.toString();
    }

    /** Prompts of a dataset, for callers that want to show them. */
    static List<String> texts(List<Prompt> ps) { return ps.stream().map(Prompt::text).toList(); }
}
