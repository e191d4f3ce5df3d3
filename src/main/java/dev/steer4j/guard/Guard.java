package dev.steer4j.guard;

import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.ConditionResult;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Inference-time guard: a set of {@link Detector}s attached to each request's sequence.
 *
 * <p>Each detector becomes a CAST-conditioned {@link Steering} on the request's {@link SequenceState}: a hook at
 * {@code blocks.L.hook_resid_post} reads the prompt rows during the prefill that serves the request and decides the
 * moment the last prompt row has passed layer L; no second model run happens. The policy's interventions are gated
 * by that decision:
 * <ul>
 * <li>{@code flag}: none; the score and decision are reported.</li>
 * <li>{@code block}: none; the server answers with the refusal text instead of generating (see
 *     {@link Session#blocking()}).</li>
 * <li>{@code steer}: adds {@code steerCoefficient × vector} at resid_post (the library vector's layers, or
 *     {@code -direction} at layer L), to the prompt rows from layer L on and to every generated token.</li>
 * <li>{@code ablate}: projects the unit direction out of every residual write (embedding, attention and MLP
 *     outputs) and out of resid_post L, so from layer L on the prompt rows, and all generated tokens everywhere,
 *     carry no component along it.</li>
 * </ul>
 * Everything lives in the request's own sequence, so other requests never see it.
 */
public final class Guard {
    private final List<Detector> detectors;
    private final String model;

    public Guard(List<Detector> detectors, String model) {
        this.detectors = List.copyOf(detectors);
        this.model = model;
        for (int i = 0; i < this.detectors.size(); i++)
            for (int j = 0; j < i; j++)
                if (this.detectors.get(i).name().equals(this.detectors.get(j).name()))
                    throw new IllegalArgumentException("two guard detectors are named '" + this.detectors.get(i).name() + "'");
    }

    public List<Detector> detectors() { return detectors; }
    public String model() { return model; }
    public boolean isEmpty() { return detectors.isEmpty(); }

    public Detector detector(String name) {
        for (Detector d : detectors) if (d.name().equals(name)) return d;
        return null;
    }

    /** A copy with one detector replaced (by name) or added. */
    public Guard with(Detector d) {
        List<Detector> out = new ArrayList<>();
        boolean replaced = false;
        for (Detector x : detectors) {
            if (x.name().equals(d.name())) {
                out.add(d);
                replaced = true;
            } else out.add(x);
        }
        if (!replaced) out.add(d);
        return new Guard(out, model);
    }

    /** Checks every detector against a model's width and layers; the error names the detector. */
    public void check(int dim, int layers) {
        for (Detector d : detectors) {
            if (d.direction().length != dim)
                throw new IllegalArgumentException("guard detector '" + d.name() + "' has n_embd " + d.direction().length + " but the model has " + dim);
            if (d.layer() >= layers)
                throw new IllegalArgumentException("guard detector '" + d.name() + "' reads layer " + d.layer() + " but the model has layers 0-" + (layers - 1));
        }
    }

    /**
     * Registers every detector on {@code seq}. Register it before any hook that must see the guard's interventions.
     *
     * @param library resolves {@link Detector#steerVector()} names
     */
    public Session attach(SequenceState seq, Function<String, SteeringVector> library) {
        List<Steering.Applied> applied = new ArrayList<>();
        try {
            for (Detector d : detectors) applied.add(steering(d, library).applyTo(seq));
        } catch (RuntimeException e) {
            for (Steering.Applied a : applied) a.close();
            throw e;
        }
        return new Session(detectors, applied);
    }

    /** The conditioned steering that implements one detector's policy. */
    public static Steering steering(Detector d, Function<String, SteeringVector> library) {
        Steering s = Steering.none();
        switch (d.policy()) {
            case FLAG, BLOCK -> { }
            case STEER -> {
                if (d.steerVector() != null) {
                    s = s.add(library.apply(d.steerVector()), d.steerCoefficient());
                } else {
                    SteeringVector v = SteeringVector.single(d.layer(), d.direction(), VectorMetadata.unknown().withMethod("guard:" + d.name()));
                    s = s.add(v, -d.steerCoefficient());
                }
            }
            case ABLATE -> {
                SteeringVector v = SteeringVector.single(d.layer(), d.direction(), VectorMetadata.unknown().withMethod("guard:" + d.name()));
                s = s.ablate(d.direction()).clamp(v, 0.0, d.layer(), d.layer(), HookSite.RESID_POST, PositionFilter.ALL);
            }
        }
        return s.when(d.condition());
    }

    /** One detector's verdict on one prompt. */
    public record Decision(String detector, int layer, double score, double threshold, GuardPolicy policy, boolean decided, boolean triggered) {
        /** none, flagged, blocked, steered or ablated. */
        public String action() {
            return triggered ? policy.action() : "none";
        }
    }

    /** The guard on one request. */
    public static final class Session implements AutoCloseable {
        private final List<Detector> detectors;
        private final List<Steering.Applied> applied;

        Session(List<Detector> detectors, List<Steering.Applied> applied) {
            this.detectors = detectors;
            this.applied = applied;
        }

        /** The verdicts; meaningful once the prefill is over. */
        public List<Decision> decisions() {
            List<Decision> out = new ArrayList<>();
            for (int i = 0; i < detectors.size(); i++) {
                Detector d = detectors.get(i);
                ConditionResult r = applied.get(i).conditionResult();
                double score = r.scores().isEmpty() ? Double.NaN : r.scores().get(0).score();
                out.add(new Decision(d.name(), d.layer(), score, d.threshold(), d.policy(), r.decided(), r.decided() && r.active()));
            }
            return out;
        }

        /** The first triggered {@code block} detector, or null. */
        public Detector blocking() {
            List<Decision> ds = decisions();
            for (int i = 0; i < ds.size(); i++) if (ds.get(i).triggered() && ds.get(i).policy() == GuardPolicy.BLOCK) return detectors.get(i);
            return null;
        }

        @Override
        public void close() {
            for (Steering.Applied a : applied) a.close();
        }
    }
}
