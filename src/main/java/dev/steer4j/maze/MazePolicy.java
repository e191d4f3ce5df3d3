package dev.steer4j.maze;

import dev.steer4j.cnn.CnnHookPoint;
import dev.steer4j.cnn.CnnHooks;
import dev.steer4j.cnn.CnnSteering;
import dev.steer4j.cnn.ImpalaCnn;
import dev.steer4j.cnn.PolicyOutput;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;

import java.util.Map;

/**
 * A maze-playing IMPALA policy with the renderer in front of it: observations of a level with the mouse anywhere,
 * action-group probabilities, and the cheese vector (site activation with cheese minus without, mouse at the start).
 * Not thread-safe (one hook registry); make one per thread.
 */
public final class MazePolicy {
    /** procgen-tools' steering site. */
    public static final String DEFAULT_SITE = "embedder.block2.res1.hook_resadd_out";

    private final ImpalaCnn net;
    private final MazeRenderer renderer;
    private final CnnHooks hooks;

    public MazePolicy(ImpalaCnn net) { this(net, new MazeRenderer()); }

    public MazePolicy(ImpalaCnn net, MazeRenderer renderer) {
        if (net.actions() != Move.ACTIONS) throw new IllegalArgumentException("a maze policy needs " + Move.ACTIONS + " actions, this network has " + net.actions());
        if (net.inputHeight() != MazeRenderer.SIZE || net.inputWidth() != MazeRenderer.SIZE)
            throw new IllegalArgumentException("a maze policy reads 64x64 frames, this network reads " + net.inputHeight() + "x" + net.inputWidth());
        this.net = net;
        this.renderer = renderer;
        this.hooks = net.newHooks();
    }

    public ImpalaCnn network() { return net; }
    public MazeRenderer renderer() { return renderer; }
    public CnnHooks hooks() { return hooks; }

    public PolicyOutput forward(Observation obs) { return net.forward(obs.toChw(), hooks); }

    /** The policy's output with the mouse on {@code mouse} (unmirrored sprite). */
    public PolicyOutput at(MazeLevel level, Square mouse) { return forward(renderer.render(level, mouse)); }

    /** Probabilities of the five movement groups, by {@link Move#ordinal()}. */
    public double[] groups(MazeLevel level, Square mouse) { return Move.groupProbabilities(at(level, mouse).probabilities()); }

    /** The cheese vector of a level at {@code site}: activation(start, cheese) − activation(start, no cheese). */
    public SteeringVector cheeseVector(MazeLevel level, String site) {
        if (!level.hasCheese()) throw new IllegalArgumentException("level " + level.seed() + " has no cheese, so no cheese vector");
        CnnHookPoint p = net.hookPoint(site);
        float[] a = CnnSteering.capture(net, hooks, renderer.render(level, level.mouseStart()).toChw(), p);
        float[] b = CnnSteering.capture(net, hooks, renderer.render(level.withoutCheese(), level.mouseStart()).toChw(), p);
        for (int i = 0; i < a.length; i++) a[i] -= b[i];
        VectorMetadata md = new VectorMetadata("cheese-vector", p.name(), "start square, with minus without cheese",
                "procgen maze seed " + level.seed(), null, null,
                Map.of("seed", Integer.toString(level.seed()), "shape", p.shapeString(), "world_dim", Integer.toString(level.worldDim())));
        return SteeringVector.single(p.index(), a, md);
    }

    /** Adds {@code coefficient × v} at its site on every pass until the returned handle is closed. */
    public CnnSteering.Applied steer(SteeringVector v, double coefficient) { return CnnSteering.add(hooks, v, coefficient); }
}
