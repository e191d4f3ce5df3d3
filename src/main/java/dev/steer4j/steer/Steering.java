package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.Activations;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookRegistry;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.tensor.VectorMath;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of interventions on the residual stream, applied to one sequence as hooks. Immutable: every method returns a
 * new {@code Steering}. Typical use:
 *
 * <pre>{@code
 * Steering s = Steering.none().add(happy, 0.8).add(formal, -0.5);
 * try (Steering.Applied a = s.applyTo(seq)) {
 *     generator.generate(seq, prompt, config, listener);
 * }
 * }</pre>
 *
 * <h2>Modes</h2>
 * <ul>
 * <li>{@link #add(SteeringVector, double) add}: {@code coefficient × direction.L} is added to
 *     {@code blocks.L.hook_resid_post} at every position, for every layer L the vector has (llama.cpp control
 *     vectors). Several vectors sum.</li>
 * <li>{@link #ablate(float[]) ablate}: the unit direction r is projected out of every write to the residual stream
 *     ({@code hook_embed}, every {@code hook_attn_out}, every {@code hook_mlp_out}): x ← x − (x·r) r (Arditi et al.).</li>
 * <li>{@link #clamp(SteeringVector, double) clamp}: the projection of the row on the unit direction is set to a value:
 *     x ← x + (value − x·r) r.</li>
 * <li>{@link #keepNorm(boolean) keepNorm}: every row changed by an add or clamp is rescaled to its L2 norm before
 *     that add or clamp (repeng's {@code normalize}).</li>
 * <li>{@link #when(Condition) when}: CAST; everything in this steering applies only when the prompt meets the
 *     conditions (see {@link Applied} for when the decision is taken).</li>
 * </ul>
 * At one hook point the order is: ablate, add, clamp, rescale.
 */
public final class Steering {
    private sealed interface Op permits AddOp, AblateOp, ClampOp {}

    private record AddOp(SteeringVector vector, double coefficient, int from, int to, HookSite site, PositionFilter positions) implements Op {}

    private record AblateOp(float[] unit, int from, int to) implements Op {}

    private record ClampOp(SteeringVector vector, double value, int from, int to, HookSite site, PositionFilter positions) implements Op {}

    private static final Steering NONE = new Steering(List.of(), false, List.of(), ConditionRule.AND);

    private final List<Op> ops;
    private final boolean keepNorm;
    private final List<Condition> conditions;
    private final ConditionRule rule;

    private Steering(List<Op> ops, boolean keepNorm, List<Condition> conditions, ConditionRule rule) {
        this.ops = List.copyOf(ops);
        this.keepNorm = keepNorm;
        this.conditions = List.copyOf(conditions);
        this.rule = rule;
    }

    /** No intervention. */
    public static Steering none() { return NONE; }

    public boolean isEmpty() { return ops.isEmpty(); }
    public List<Condition> conditions() { return conditions; }
    public ConditionRule conditionRule() { return rule; }
    public boolean keepsNorm() { return keepNorm; }

    private Steering with(Op op) {
        List<Op> o = new ArrayList<>(ops);
        o.add(op);
        return new Steering(o, keepNorm, conditions, rule);
    }

    /**
     * llama.cpp control-vector semantics: {@code direction.L × coefficient} is added to
     * {@code blocks.L.hook_resid_post} at every position, for every layer L the vector has.
     */
    public Steering add(SteeringVector v, double coefficient) {
        return add(v, coefficient, 0, Integer.MAX_VALUE, HookSite.RESID_POST, PositionFilter.ALL);
    }

    /**
     * Adds {@code direction.L × coefficient} at {@code blocks.L.<site>} for the layers L of the vector in
     * [fromLayer, toLayer], at the positions the filter accepts. For {@code hook_embed} and
     * {@code ln_final.hook_normalized} (sites without a layer), the vector must have exactly one direction in range.
     */
    public Steering add(SteeringVector v, double coefficient, int fromLayer, int toLayer, HookSite site, PositionFilter positions) {
        if (v == null) throw new IllegalArgumentException("steering vector is null");
        if (!Double.isFinite(coefficient)) throw new IllegalArgumentException("coefficient " + coefficient + " is not a finite number");
        checkRange(fromLayer, toLayer);
        return with(new AddOp(v, coefficient, fromLayer, toLayer, site == null ? HookSite.RESID_POST : site,
                positions == null ? PositionFilter.ALL : positions));
    }

    /** Directional ablation of {@code direction} (normalised here) from every residual write, at all positions. */
    public Steering ablate(float[] direction) {
        return ablate(direction, 0, Integer.MAX_VALUE);
    }

    /**
     * Directional ablation restricted to the attention and MLP outputs of blocks [fromLayer, toLayer]; the embedding
     * output is included when {@code fromLayer == 0}.
     */
    public Steering ablate(float[] direction, int fromLayer, int toLayer) {
        checkRange(fromLayer, toLayer);
        return with(new AblateOp(unit(direction, "ablation direction"), fromLayer, toLayer));
    }

    /** Sets the projection on each (unit) direction of the vector to {@code value} at its layers' resid_post, all positions. */
    public Steering clamp(SteeringVector v, double value) {
        return clamp(v, value, 0, Integer.MAX_VALUE, HookSite.RESID_POST, PositionFilter.ALL);
    }

    public Steering clamp(SteeringVector v, double value, int fromLayer, int toLayer, HookSite site, PositionFilter positions) {
        if (v == null) throw new IllegalArgumentException("steering vector is null");
        if (!Double.isFinite(value)) throw new IllegalArgumentException("clamp value " + value + " is not a finite number");
        checkRange(fromLayer, toLayer);
        for (var e : v.layers().entrySet()) {
            if (e.getKey() >= fromLayer && e.getKey() <= toLayer && SteeringVector.norm(e.getValue()) == 0)
                throw new IllegalArgumentException("cannot clamp along the zero direction of layer " + e.getKey());
        }
        return with(new ClampOp(v, value, fromLayer, toLayer, site == null ? HookSite.RESID_POST : site,
                positions == null ? PositionFilter.ALL : positions));
    }

    /** repeng's {@code normalize}: rows changed by add/clamp are rescaled to their norm before the change. */
    public Steering keepNorm(boolean b) { return new Steering(ops, b, conditions, rule); }

    /** Adds a CAST condition; several combine with {@link #conditionRule(ConditionRule)} (default {@code and}). */
    public Steering when(Condition c) {
        if (c == null) throw new IllegalArgumentException("condition is null");
        List<Condition> cs = new ArrayList<>(conditions);
        cs.add(c);
        return new Steering(ops, keepNorm, cs, rule);
    }

    public Steering conditionRule(ConditionRule r) {
        return new Steering(ops, keepNorm, conditions, r == null ? ConditionRule.AND : r);
    }

    /** Everything in {@code this}, then everything in {@code other}; conditions of both (other's rule wins if it has conditions). */
    public Steering and(Steering other) {
        List<Op> o = new ArrayList<>(ops);
        o.addAll(other.ops);
        List<Condition> cs = new ArrayList<>(conditions);
        cs.addAll(other.conditions);
        return new Steering(o, keepNorm || other.keepNorm, cs, other.conditions.isEmpty() ? rule : other.rule);
    }

    private static void checkRange(int from, int to) {
        if (from < 0 || to < from) throw new IllegalArgumentException("layer range " + from + "-" + to + " is empty or negative");
    }

    static float[] unit(float[] d, String what) {
        if (d == null || d.length == 0) throw new IllegalArgumentException(what + " is empty");
        double n = SteeringVector.norm(d);
        if (!(n > 0) || !Double.isFinite(n)) throw new IllegalArgumentException(what + " has norm " + n + "; it needs a finite non-zero norm");
        float[] u = new float[d.length];
        for (int i = 0; i < d.length; i++) u[i] = (float) (d[i] / n);
        return u;
    }

    /** How errors name a model: its file name, or its general.name when it has no file. */
    public static String modelName(Model m) {
        if (m.file() != null && m.file().path() != null && m.file().path().getFileName() != null)
            return m.file().path().getFileName().toString();
        String n = m.config().name();
        return n == null || n.isBlank() ? "model" : n;
    }

    // ---------------------------------------------------------------- application

    /** Per hook point: every intervention folded into flat arrays, so a call is one pass per kind. */
    private static final class Plan {
        final List<float[]> ablate = new ArrayList<>();
        final Map<PositionFilter, float[]> adds = new LinkedHashMap<>();
        final List<float[]> clampDirs = new ArrayList<>();
        final List<Float> clampValues = new ArrayList<>();
        final List<PositionFilter> clampFilters = new ArrayList<>();
    }

    /**
     * Registers this steering's hooks on {@code seq} and returns the handle that removes them. Vectors are checked
     * against the sequence's model here (width, layers).
     */
    public Applied applyTo(SequenceState seq) {
        Model model = seq.model();
        int dim = model.config().dim();
        int layers = model.config().layers();
        String mname = modelName(model);
        Map<HookPoint, Plan> plans = new LinkedHashMap<>();
        for (Op op : ops) {
            switch (op) {
                case AddOp a -> {
                    for (var e : directions(a.vector, a.from, a.to, a.site, dim, layers, mname).entrySet()) {
                        Plan p = plans.computeIfAbsent(e.getKey(), k -> new Plan());
                        float[] sum = p.adds.computeIfAbsent(a.positions, k -> new float[dim]);
                        float[] v = e.getValue();
                        for (int i = 0; i < dim; i++) sum[i] += (float) (v[i] * a.coefficient);
                    }
                }
                case ClampOp c -> {
                    for (var e : directions(c.vector, c.from, c.to, c.site, dim, layers, mname).entrySet()) {
                        Plan p = plans.computeIfAbsent(e.getKey(), k -> new Plan());
                        p.clampDirs.add(unit(e.getValue(), "clamp direction"));
                        p.clampValues.add((float) c.value);
                        p.clampFilters.add(c.positions);
                    }
                }
                case AblateOp ab -> {
                    if (ab.unit.length != dim)
                        throw new IllegalArgumentException("ablation direction has n_embd " + ab.unit.length + " but model " + mname + " has " + dim);
                    if (ab.from >= layers)
                        throw new IllegalArgumentException("ablation layers " + ab.from + "-" + ab.to + " are outside model " + mname + " (layers 0-" + (layers - 1) + ")");
                    if (ab.from == 0) plans.computeIfAbsent(HookPoint.embed(), k -> new Plan()).ablate.add(ab.unit);
                    for (int l = ab.from; l <= Math.min(ab.to, layers - 1); l++) {
                        plans.computeIfAbsent(HookPoint.of(HookSite.ATTN_OUT, l), k -> new Plan()).ablate.add(ab.unit);
                        plans.computeIfAbsent(HookPoint.of(HookSite.MLP_OUT, l), k -> new Plan()).ablate.add(ab.unit);
                    }
                }
            }
        }
        for (Condition c : conditions) {
            if (c.direction().length != dim)
                throw new IllegalArgumentException("condition '" + c.name() + "' has n_embd " + c.direction().length + " but model " + mname + " has " + dim);
            if (c.layer() >= layers)
                throw new IllegalArgumentException("condition '" + c.name() + "' reads layer " + c.layer() + " but model " + mname + " has layers 0-" + (layers - 1));
        }
        return new Applied(seq, plans, keepNorm, conditions, rule, dim);
    }

    /** The vector's directions that land on hook points, checked against the model. */
    private static Map<HookPoint, float[]> directions(SteeringVector v, int from, int to, HookSite site, int dim, int layers, String mname) {
        if (v.dim() != dim)
            throw new IllegalArgumentException(describe(v) + " has n_embd " + v.dim() + " but model " + mname + " has " + dim);
        Map<HookPoint, float[]> out = new LinkedHashMap<>();
        var sub = v.layers().subMap(from, true, to, true);
        if (sub.isEmpty())
            throw new IllegalArgumentException(describe(v) + " has no direction in layers " + range(from, to) + " (it has layers " + v.layers().keySet() + ")");
        if (!site.perLayer) {
            if (sub.size() != 1)
                throw new IllegalArgumentException(site.suffix + " has no layer, so the vector must have exactly one direction in range, but " + describe(v) + " has layers " + sub.keySet());
            out.put(HookPoint.of(site, -1), sub.firstEntry().getValue());
            return out;
        }
        for (var e : sub.entrySet()) {
            if (e.getKey() >= layers)
                throw new IllegalArgumentException(describe(v) + " has a direction for layer " + e.getKey() + " but model " + mname + " has layers 0-" + (layers - 1));
            out.put(HookPoint.of(site, e.getKey()), e.getValue());
        }
        return out;
    }

    private static String range(int from, int to) {
        return to == Integer.MAX_VALUE ? from + "-" : from + "-" + to;
    }

    private static String describe(SteeringVector v) {
        String src = v.metadata().extra().get("source");
        return src != null ? "vector file " + src : "steering vector";
    }

    // ---------------------------------------------------------------- runtime

    /**
     * Steering registered on one sequence. Closing it removes every hook.
     *
     * <h2>CAST timing</h2>
     * The prompt is the sequence's positions {@code 0 .. promptLength-1} (when the prompt length is 0, the rows of
     * the first forward call are the prompt). Each condition reads {@code blocks.L.hook_resid_post} of the prompt
     * rows before any intervention of this steering at that point. The decision is taken the moment the last prompt
     * row has been read at every condition layer; from then on, every hook of this steering that runs is active when
     * the decision is positive. So during the prefill that contains the last prompt row, interventions at
     * {@code resid_post} of layers {@code >=} the highest condition layer, and at every site of higher layers, already
     * steer the prompt rows; interventions at earlier points never touch the prompt (their keys and values stay
     * unsteered), and all generated positions are steered everywhere. A sequence that restarts at position 0 starts
     * undecided again.
     */
    public static final class Applied implements AutoCloseable {
        private final List<HookRegistry.Registration> registrations = new ArrayList<>();
        private final Gate gate;

        Applied(SequenceState seq, Map<HookPoint, Plan> plans, boolean keepNorm, List<Condition> conditions, ConditionRule rule, int dim) {
            this.gate = conditions.isEmpty() ? null : new Gate(conditions, rule, dim);
            try {
                if (gate != null) {
                    registrations.add(seq.hooks().add(HookPoint.embed(), gate::start));
                    for (int i = 0; i < conditions.size(); i++) {
                        final int ci = i;
                        registrations.add(seq.hooks().add(HookPoint.residPost(conditions.get(i).layer()), a -> gate.read(ci, a)));
                    }
                }
                for (var e : plans.entrySet()) {
                    registrations.add(seq.hooks().add(e.getKey(), new PointHook(e.getValue(), keepNorm, gate)));
                }
            } catch (RuntimeException ex) {
                close();
                throw ex;
            }
        }

        /** The CAST decision and scores, or null when this steering has no condition. */
        public ConditionResult conditionResult() {
            return gate == null ? null : gate.result();
        }

        /** True when the interventions currently apply (always, without conditions). */
        public boolean active() {
            return gate == null || gate.active;
        }

        @Override
        public void close() {
            for (int i = registrations.size() - 1; i >= 0; i--) registrations.get(i).close();
            registrations.clear();
        }
    }

    /** The composed intervention at one hook point. */
    private static final class PointHook implements dev.steer4j.runtime.Hook {
        private final float[][] ablate;
        private final PositionFilter[] addFilters;
        private final float[][] adds;
        private final float[][] clampDirs;
        private final float[] clampValues;
        private final PositionFilter[] clampFilters;
        private final boolean keepNorm;
        private final Gate gate;

        PointHook(Plan p, boolean keepNorm, Gate gate) {
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
            if (gate != null && !gate.active) return;
            float[] d = a.data();
            int w = a.width();
            int pl = a.promptLength();
            for (int r = 0, rows = a.rows(); r < rows; r++) {
                int off = a.offset(r);
                int pos = a.position(r);
                for (float[] u : ablate) {
                    double dot = 0;
                    for (int i = 0; i < w; i++) dot += (double) d[off + i] * u[i];
                    VectorMath.axpy((float) -dot, u, 0, d, off, w);
                }
                double before = keepNorm ? norm(d, off, w) : 0;
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
                        double dot = 0;
                        for (int i = 0; i < w; i++) dot += (double) d[off + i] * u[i];
                        VectorMath.axpy((float) (clampValues[k] - dot), u, 0, d, off, w);
                        changed = true;
                    }
                }
                if (keepNorm && changed) {
                    double after = norm(d, off, w);
                    if (after > 0) {
                        float s = (float) (before / after);
                        for (int i = 0; i < w; i++) d[off + i] *= s;
                    }
                }
            }
        }

        private static double norm(float[] d, int off, int w) {
            double s = 0;
            for (int i = 0; i < w; i++) s += (double) d[off + i] * d[off + i];
            return Math.sqrt(s);
        }
    }

    /** CAST state of one applied steering on one sequence. */
    private static final class Gate {
        private final Condition[] conditions;
        private final float[][] units;
        private final ConditionRule rule;
        private final double[][] sums;
        private final int[] counts;
        private final double[] scores;
        private final boolean[] decided;
        private final boolean[] met;
        private int promptEnd = -1;
        private boolean allDecided;
        volatile boolean active;

        Gate(List<Condition> cs, ConditionRule rule, int dim) {
            this.conditions = cs.toArray(Condition[]::new);
            this.rule = rule;
            int n = conditions.length;
            this.units = new float[n][];
            for (int i = 0; i < n; i++) units[i] = unit(conditions[i].direction(), "condition direction");
            this.sums = new double[n][dim];
            this.counts = new int[n];
            this.scores = new double[n];
            this.decided = new boolean[n];
            this.met = new boolean[n];
            reset();
        }

        private void reset() {
            for (int i = 0; i < conditions.length; i++) {
                Arrays.fill(sums[i], 0);
                counts[i] = 0;
                scores[i] = Double.NaN;
                decided[i] = false;
                met[i] = false;
            }
            promptEnd = -1;
            allDecided = false;
            active = false;
        }

        /** Runs first in every forward pass (hook_embed): a call starting at position 0 is a new prompt. */
        void start(Activations a) {
            if (a.rows() == 0) return;
            if (a.position(0) == 0) reset();
            if (promptEnd < 0 && !allDecided) {
                int pl = a.promptLength();
                promptEnd = pl > 0 ? pl : a.position(a.rows() - 1) + 1;
            }
        }

        void read(int ci, Activations a) {
            if (decided[ci] || promptEnd < 0) return;
            Condition c = conditions[ci];
            int w = a.width();
            float[] d = a.data();
            double[] sum = sums[ci];
            for (int r = 0, rows = a.rows(); r < rows; r++) {
                int pos = a.position(r);
                if (pos >= promptEnd) break;
                boolean last = pos == promptEnd - 1;
                boolean use = c.aggregate() == Condition.Aggregate.LAST ? last : (pos > 0 || promptEnd == 1);
                if (use) {
                    int off = a.offset(r);
                    if (c.aggregate() == Condition.Aggregate.LAST) Arrays.fill(sum, 0);
                    for (int i = 0; i < w; i++) sum[i] += d[off + i];
                    counts[ci]++;
                }
                if (last) {
                    scores[ci] = cosine(sum, units[ci]);
                    met[ci] = c.met(scores[ci]);
                    decided[ci] = true;
                    decideIfReady();
                    break;
                }
            }
        }

        private void decideIfReady() {
            for (boolean b : decided) if (!b) return;
            allDecided = true;
            active = rule.combine(met);
        }

        private static double cosine(double[] x, float[] unit) {
            double dot = 0, nn = 0;
            for (int i = 0; i < x.length; i++) {
                dot += x[i] * unit[i];
                nn += x[i] * x[i];
            }
            return nn == 0 ? 0 : dot / Math.sqrt(nn);
        }

        ConditionResult result() {
            List<ConditionResult.Score> s = new ArrayList<>();
            for (int i = 0; i < conditions.length; i++) {
                Condition c = conditions[i];
                s.add(new ConditionResult.Score(c.name(), c.layer(), c.threshold(), c.comparison(), scores[i], met[i]));
            }
            return new ConditionResult(allDecided, active, rule, s);
        }
    }
}
