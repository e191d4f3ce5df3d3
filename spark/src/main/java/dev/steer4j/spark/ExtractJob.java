package dev.steer4j.spark;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.DatasetFormat;
import dev.steer4j.steer.data.Prompt;
import dev.steer4j.steer.extract.ActivationCollector;
import dev.steer4j.steer.extract.Directions;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.ExtractionResult;
import dev.steer4j.steer.extract.LayerSeparation;
import dev.steer4j.steer.extract.LogisticProbe;
import dev.steer4j.steer.extract.Method;
import dev.steer4j.steer.extract.Pca;
import dev.steer4j.steer.extract.ProgressListener;
import dev.steer4j.steer.extract.ReadPosition;
import dev.steer4j.steer.extract.Samples;
import dev.steer4j.steer.extract.Stats;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * {@code steer4j extract} on a Spark cluster: contrastive pairs in, a steering vector out, equal to the single-machine
 * command's to float tolerance.
 *
 * <ol>
 * <li>Each partition runs its pairs through the model (cached once per executor JVM, {@link ModelCache}) with the
 *     engine's own {@link ActivationCollector}, so every sample is read exactly as {@code steer4j extract} reads it.</li>
 * <li>{@code treeAggregate} sums the samples' mergeable statistics per layer ({@link LayerMoments}: counts, class
 *     sums, and the second-moment matrix for PCA). The driver turns them into directions with the engine's math
 *     ({@link Pca#ofSecondMoment}, {@link Directions#orient}).</li>
 * <li>{@code probe} runs the engine's L-BFGS on the driver; each loss evaluation is one {@code treeAggregate} of the
 *     samples' gradient sums ({@link LogisticProbe#addSample}).</li>
 * <li>The separation table (AUROC, d per layer) projects every sample on its layer's direction on the executors and
 *     gathers only the projections.</li>
 * </ol>
 * Input rows: {@code positive}, {@code negative} (strings) and optionally {@code positive_answer_end},
 * {@code negative_answer_end} (ints, -1 for none: the answer token of CAA prompts). {@link #pairs} makes them from
 * any dataset the engine reads.
 */
public final class ExtractJob {
    private ExtractJob() {}

    /** What to extract; the dataset's name, hash and format go into the vector's metadata as with the CLI. */
    public record Settings(String model, Method method, HookSite site, int[] layers, ReadPosition read, boolean unit,
                           double l2, int probeIterations, String dataset, String datasetSha256, DatasetFormat format)
            implements Serializable {
        public Settings {
            if (method == Method.ACTADD)
                throw new IllegalArgumentException("method actadd uses one pair; run it with steer4j extract on one machine");
        }

        /** Mean difference at resid_post over every layer, reading the last token (or the answer for CAA data). */
        public static Settings of(String model, Method method, ContrastiveDataset d) {
            return new Settings(model, method, HookSite.RESID_POST, null, null, false, LogisticProbe.DEFAULT_L2, 500,
                    d.name(), d.sha256(), d.format());
        }

        public Settings withLayers(int... ls) { return new Settings(model, method, site, ls, read, unit, l2, probeIterations, dataset, datasetSha256, format); }
        public Settings withRead(ReadPosition r) { return new Settings(model, method, site, layers, r, unit, l2, probeIterations, dataset, datasetSha256, format); }
        public Settings withSite(HookSite s) { return new Settings(model, method, s, layers, read, unit, l2, probeIterations, dataset, datasetSha256, format); }
        public Settings withUnit(boolean u) { return new Settings(model, method, site, layers, read, u, l2, probeIterations, dataset, datasetSha256, format); }
        public Settings withL2(double v) { return new Settings(model, method, site, layers, read, unit, v, probeIterations, dataset, datasetSha256, format); }
    }

    /** The row schema of {@link #pairs}. */
    public static final StructType PAIRS = new StructType()
            .add("positive", DataTypes.StringType, false)
            .add("negative", DataTypes.StringType, false)
            .add("positive_answer_end", DataTypes.IntegerType, false)
            .add("negative_answer_end", DataTypes.IntegerType, false);

    /** A dataset the engine loaded (pairs, caa, repeng) as rows, in {@code partitions} slices. */
    public static Dataset<Row> pairs(SparkSession spark, ContrastiveDataset d, int partitions) {
        d.requirePairs("the Spark job reads the data as pairs");
        if (d.format() == DatasetFormat.LISTS)
            throw new IllegalArgumentException("format lists is not paired; the Spark extract job reads pairs (pairs, caa, repeng)");
        List<Row> rows = new ArrayList<>(d.positives().size());
        for (int i = 0; i < d.positives().size(); i++) {
            Prompt p = d.positives().get(i), n = d.negatives().get(i);
            rows.add(RowFactory.create(p.text(), n.text(), p.answerEnd(), n.answerEnd()));
        }
        return spark.createDataFrame(rows, PAIRS).repartition(partitions);
    }

    /** Runs the extraction over {@code pairs} and returns the vector and its separation table, as {@code Extraction.run}. */
    public static ExtractionResult extract(Dataset<Row> pairs, Settings s) {
        Model model = ModelCache.model(s.model());
        int n = model.config().layers();
        int[] ls = s.layers() != null ? s.layers().clone() : IntStream.range(0, n).toArray();
        Arrays.sort(ls);
        if (ls.length == 0) throw new IllegalArgumentException("no layers given");
        for (int l : ls) dev.steer4j.runtime.HookPoint.of(s.site(), l).checkLayer(n);
        // one pass for the pair count (metadata) and whether every prompt marks its answer (the default read position)
        Row counts = pairs.selectExpr("count(*)", "min(least(positive_answer_end, negative_answer_end))").first();
        long pairCount = counts.getLong(0);
        if (pairCount == 0) throw new IllegalArgumentException("the pairs dataset is empty");
        boolean answers = !counts.isNullAt(1) && counts.getInt(1) >= 0;
        ReadPosition rp = s.read() != null ? s.read() : answers ? ReadPosition.ANSWER : ReadPosition.LAST;
        Settings run = new Settings(s.model(), s.method(), s.site(), ls, rp, s.unit(), s.l2(), s.probeIterations(),
                s.dataset(), s.datasetSha256(), s.format());

        JavaRDD<LayerBlock> blocks = pairs.select("positive", "negative", "positive_answer_end", "negative_answer_end")
                .javaRDD().mapPartitions(new ReadSamples(run)).persist(StorageLevel.MEMORY_AND_DISK_SER());
        try {
            int dim = model.config().dim();
            Method method = s.method();
            HashMap<Integer, LayerMoments> zero = new HashMap<>();
            Map<Integer, LayerMoments> moments = blocks.treeAggregate(zero, (acc, b) -> {
                acc.computeIfAbsent(b.layer(), l -> new LayerMoments(l, dim, method)).add(b);
                return acc;
            }, (a, b) -> {
                for (LayerMoments m : b.values()) {
                    LayerMoments x = a.get(m.layer);
                    if (x == null) a.put(m.layer, m);
                    else x.merge(m);
                }
                return a;
            }, 2);
            if (moments.isEmpty()) throw new IllegalArgumentException("the pairs dataset is empty");

            Map<Integer, float[]> directions = new TreeMap<>();
            Map<Integer, double[]> units = new HashMap<>();
            Map<Integer, Double> explained = new HashMap<>(), norms = new HashMap<>();
            for (int l : ls) {
                LayerMoments m = moments.get(l);
                Directions.Result dir = direction(m, blocks, run);
                float[] v = new float[dim];
                for (int i = 0; i < dim; i++) v[i] = (float) dir.vector()[i];
                directions.put(l, v);
                units.put(l, Stats.unit(dir.vector()));
                explained.put(l, dir.explained());
                norms.put(l, Stats.norm(dir.vector()));
            }
            // the separation table: project every sample on its layer's unit direction, gather the projections
            List<Projections> projected = blocks.map(b -> Projections.of(b, units.get(b.layer()))).collect();
            List<LayerSeparation> seps = new ArrayList<>();
            for (int l : ls) {
                List<double[]> pp = new ArrayList<>(), pn = new ArrayList<>();
                for (Projections p : projected) if (p.layer() == l) { pp.add(p.positives()); pn.add(p.negatives()); }
                double[] a = concat(pp), b = concat(pn);
                LayerMoments m = moments.get(l);
                seps.add(new LayerSeparation(l, dev.steer4j.util.Auroc.of(a, b), Stats.standardizedDifference(a, b), norms.get(l),
                        explained.get(l), (int) m.positives, (int) m.negatives));
            }
            VectorMetadata meta = metadata(model, run, ls, pairCount);
            return new ExtractionResult(SteeringVector.of(directions, meta), seps);
        } finally {
            blocks.unpersist(false);
        }
    }

    private static Directions.Result direction(LayerMoments m, JavaRDD<LayerBlock> blocks, Settings s) {
        double[] mp = m.meanPositive(), mn = m.meanNegative();
        double[] diff = new double[m.dim];
        for (int i = 0; i < m.dim; i++) diff[i] = mp[i] - mn[i];
        return switch (s.method()) {
            case MEAN -> new Directions.Result(s.unit() ? Stats.unit(diff) : diff, Double.NaN);
            case PCA_DIFF, PCA_CENTER -> {
                double[] total = new double[1];
                double[][] c = m.pcaMatrix(total);
                Pca.Component comp = Pca.ofSecondMoment(c, total[0]);
                yield Directions.orient(diff, comp.direction(), comp.explainedFraction(), s.unit());
            }
            case PROBE -> {
                double[] mu = m.mean();
                double[] sigma = LogisticProbe.scales(m.variance());
                double wp = 0.5 / m.positives, wn = 0.5 / m.negatives;
                int layer = m.layer;
                double l2 = s.l2();
                JavaRDD<LayerBlock> mine = blocks.filter(b -> b.layer() == layer);
                LogisticProbe.Loss loss = (theta, grad) -> {
                    double[] at = theta.clone();
                    double[] sum = mine.treeAggregate(new double[at.length + 1], (acc, b) -> ProbeTerms.add(acc, b, at, mu, sigma, wp, wn),
                            ProbeTerms::merge, 2);
                    System.arraycopy(sum, 0, grad, 0, grad.length);
                    return LogisticProbe.addPenalty(theta, l2, grad, sum[at.length]);
                };
                LogisticProbe.Fit fit = LogisticProbe.fit(loss, mu, sigma, s.probeIterations());
                yield Directions.orient(diff, Stats.unit(fit.direction()), Double.NaN, s.unit());
            }
            case ACTADD -> throw new IllegalStateException("actadd");
        };
    }

    /** As {@code Extraction.run} writes it, so the vector files of the two paths are the same. */
    static VectorMetadata metadata(Model model, Settings s, int[] ls, long pairs) {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("layers", Extraction.formatLayers(ls));
        extra.put("scale", s.unit() ? "unit" : s.method() == Method.MEAN ? "raw difference" : "class-mean difference along the direction");
        extra.put("positives", Long.toString(pairs));
        extra.put("negatives", Long.toString(pairs));
        extra.put("format", s.format().id);
        extra.put("model_hint", model.config().architecture().ggufName);
        if (s.method() == Method.PROBE) extra.put("l2", Double.toString(s.l2()));
        return new VectorMetadata(s.method().id, Extraction.siteName(s.site()), s.read().id, s.dataset(), s.datasetSha256(),
                model.config().name(), extra);
    }

    private static double[] concat(List<double[]> parts) {
        int n = 0;
        for (double[] p : parts) n += p.length;
        double[] o = new double[n];
        int k = 0;
        for (double[] p : parts) { System.arraycopy(p, 0, o, k, p.length); k += p.length; }
        return o;
    }

    /** Reads one partition's pairs with the engine's collector: one block per layer. */
    static final class ReadSamples implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, LayerBlock> {
        private final Settings s;

        ReadSamples(Settings s) { this.s = s; }

        @Override
        public Iterator<LayerBlock> call(Iterator<Row> rows) {
            List<Prompt> pos = new ArrayList<>(), neg = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                pos.add(new Prompt(r.getString(0), r.isNullAt(2) ? -1 : r.getInt(2)));
                neg.add(new Prompt(r.getString(1), r.isNullAt(3) ? -1 : r.getInt(3)));
            }
            if (pos.isEmpty()) return Collections.emptyIterator();
            ForwardPass fp = ModelCache.forwardPass(s.model());
            ContrastiveDataset d = new ContrastiveDataset(s.dataset(), s.datasetSha256(), s.format(), pos, neg, s.dataset(), s.dataset());
            ActivationCollector c = new ActivationCollector(fp.model(), fp, s.site(), s.layers(), s.read());
            Map<Integer, Samples> samples = c.collect(d, true, false, ProgressListener.NONE);
            List<LayerBlock> out = new ArrayList<>();
            for (Samples x : samples.values())
                out.add(new LayerBlock(x.layer(), x.positives().toArray(new float[0][]), x.negatives().toArray(new float[0][])));
            return out.iterator();
        }
    }
}

/** A block's samples projected on their layer's unit direction (what the separation table needs). */
record Projections(int layer, double[] positives, double[] negatives) implements Serializable {
    static Projections of(LayerBlock b, double[] unit) {
        double[] p = new double[b.positives().length], n = new double[b.negatives().length];
        for (int k = 0; k < p.length; k++) p[k] = Stats.dot(b.positives()[k], unit);
        for (int k = 0; k < n.length; k++) n[k] = Stats.dot(b.negatives()[k], unit);
        return new Projections(b.layer(), p, n);
    }
}

/** The probe's loss terms of a block: acc[0..d] the gradient (weights, bias), acc[d + 1] the loss. */
final class ProbeTerms {
    private ProbeTerms() {}

    static double[] add(double[] acc, LayerBlock b, double[] theta, double[] mu, double[] sigma, double wp, double wn) {
        int d = mu.length;
        double[] z = new double[d];
        for (int side = 0; side < 2; side++) {
            float[][] rows = side == 0 ? b.positives() : b.negatives();
            for (float[] r : rows) {
                for (int i = 0; i < d; i++) z[i] = ((double) r[i] - mu[i]) / sigma[i];
                acc[d + 1] += LogisticProbe.addSample(theta, z, side == 0 ? 1 : 0, side == 0 ? wp : wn, acc);
            }
        }
        return acc;
    }

    static double[] merge(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return a;
    }
}
