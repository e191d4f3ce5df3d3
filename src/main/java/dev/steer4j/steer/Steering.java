package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookRegistry;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.util.LayerList;

import java.util.ArrayList;
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
 * <li>{@link #reft(ReftIntervention) reft}: a trained LoReFT intervention edits {@code blocks.L.hook_resid_post} of
 *     its layers at its positions, after this steering's other interventions at that point.</li>
 * <li>{@link #when(Condition) when}: CAST; everything in this steering applies only when the prompt meets the
 *     conditions (see {@link Applied} for when the decision is taken).</li>
 * </ul>
 * At one hook point the order is: ablate, add, clamp, rescale. {@link SteeringPlan} compiles the interventions into
 * per-hook plans, {@link SteeringKernel} runs them on the rows, {@link CastGate} takes the CAST decision; requests
 * from the CLI, the server and Java code arrive as a {@link SteeringSpec} and resolve into one of these.
 */
public final class Steering {
    /** One intervention, as the plan compiles it. */
    sealed interface Op permits AddOp, AblateOp, ClampOp, ReftOp {}

    record AddOp(SteeringVector vector, double coefficient, LayerList layers, HookSite site, PositionFilter positions) implements Op {}

    record AblateOp(float[] unit, int from, int to) implements Op {}

    record ClampOp(SteeringVector vector, double value, LayerList layers, HookSite site, PositionFilter positions) implements Op {}

    record ReftOp(ReftIntervention reft) implements Op {}

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
    List<Op> ops() { return ops; }

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
        return add(v, coefficient, LayerList.ALL, HookSite.RESID_POST, PositionFilter.ALL);
    }

    /** {@link #add(SteeringVector, double, LayerList, HookSite, PositionFilter)} over the layers [fromLayer, toLayer]. */
    public Steering add(SteeringVector v, double coefficient, int fromLayer, int toLayer, HookSite site, PositionFilter positions) {
        return add(v, coefficient, range(fromLayer, toLayer), site, positions);
    }

    /**
     * Adds {@code direction.L × coefficient} at {@code blocks.L.<site>} for the layers L of the vector in the list,
     * at the positions the filter accepts. For {@code hook_embed} and {@code ln_final.hook_normalized} (sites without
     * a layer), the vector must have exactly one direction in the list.
     */
    public Steering add(SteeringVector v, double coefficient, LayerList layers, HookSite site, PositionFilter positions) {
        if (v == null) throw new IllegalArgumentException("steering vector is null");
        if (!Double.isFinite(coefficient)) throw new IllegalArgumentException("coefficient " + coefficient + " is not a finite number");
        return with(new AddOp(v, coefficient, layers == null ? LayerList.ALL : layers, site == null ? HookSite.RESID_POST : site,
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
        range(fromLayer, toLayer);
        return with(new AblateOp(unit(direction, "ablation direction"), fromLayer, toLayer));
    }

    /** Sets the projection on each (unit) direction of the vector to {@code value} at its layers' resid_post, all positions. */
    public Steering clamp(SteeringVector v, double value) {
        return clamp(v, value, LayerList.ALL, HookSite.RESID_POST, PositionFilter.ALL);
    }

    public Steering clamp(SteeringVector v, double value, int fromLayer, int toLayer, HookSite site, PositionFilter positions) {
        return clamp(v, value, range(fromLayer, toLayer), site, positions);
    }

    /** Sets the projection on each unit direction of the vector in the layer list to {@code value} at {@code site}. */
    public Steering clamp(SteeringVector v, double value, LayerList layers, HookSite site, PositionFilter positions) {
        if (v == null) throw new IllegalArgumentException("steering vector is null");
        if (!Double.isFinite(value)) throw new IllegalArgumentException("clamp value " + value + " is not a finite number");
        LayerList ls = layers == null ? LayerList.ALL : layers;
        if (!ls.isRelative()) for (var e : ls.select(v.layers()).entrySet()) {
            if (SteeringVector.norm(e.getValue()) == 0)
                throw new IllegalArgumentException("cannot clamp along the zero direction of layer " + e.getKey());
        }
        return with(new ClampOp(v, value, ls, site == null ? HookSite.RESID_POST : site, positions == null ? PositionFilter.ALL : positions));
    }

    /** A LoReFT intervention at {@code blocks.L.hook_resid_post} of its layers (after the adds and clamps there). */
    public Steering reft(ReftIntervention r) {
        if (r == null) throw new IllegalArgumentException("ReFT intervention is null");
        return with(new ReftOp(r));
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

    private static LayerList range(int from, int to) {
        if (from < 0 || to < from) throw new IllegalArgumentException("layer range " + from + "-" + to + " is empty or negative");
        return LayerList.range(from, to);
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

    /**
     * Registers this steering's hooks on {@code seq} and returns the handle that removes them. Vectors are checked
     * against the sequence's model here (width, layers).
     */
    public Applied applyTo(SequenceState seq) {
        Model model = seq.model();
        Map<HookPoint, SteeringPlan.Point> plans = SteeringPlan.compile(ops, conditions, model);
        List<ReftIntervention> refts = new ArrayList<>();
        for (Op op : ops) {
            if (op instanceof ReftOp r) {
                ReftFile.checkFits(r.reft(), model, r.reft().metadata().containsKey("source") ? "ReFT file " + r.reft().metadata().get("source") : "ReFT intervention");
                refts.add(r.reft());
            }
        }
        return new Applied(seq, plans, refts, keepNorm, conditions, rule, model.config().dim());
    }

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
        private final CastGate gate;

        Applied(SequenceState seq, Map<HookPoint, SteeringPlan.Point> plans, List<ReftIntervention> refts, boolean keepNorm,
                List<Condition> conditions, ConditionRule rule, int dim) {
            this.gate = conditions.isEmpty() ? null : new CastGate(conditions, rule, dim);
            try {
                if (gate != null) {
                    registrations.add(seq.hooks().add(HookPoint.embed(), gate::start));
                    for (int i = 0; i < conditions.size(); i++) {
                        final int ci = i;
                        registrations.add(seq.hooks().add(HookPoint.residPost(conditions.get(i).layer()), a -> gate.read(ci, a)));
                    }
                }
                for (var e : plans.entrySet()) {
                    registrations.add(seq.hooks().add(e.getKey(), new SteeringKernel(e.getValue(), keepNorm, gate)));
                }
                for (ReftIntervention r : refts)
                    for (int layer : r.layers().keySet())
                        registrations.add(seq.hooks().add(HookPoint.residPost(layer), new ReftHook(r, layer, gate)));
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
            return gate == null || gate.active();
        }

        @Override
        public void close() {
            for (int i = registrations.size() - 1; i >= 0; i--) registrations.get(i).close();
            registrations.clear();
        }
    }
}
