package dev.steer4j.cnn;

import dev.steer4j.steer.SteeringVector;

/**
 * Activation addition on a CNN with the LLM side's {@link SteeringVector}: the vector's key is the hook point's index
 * ({@link CnnHookPoint#index()}) and its width the point's full size, so a direction holds one value per channel and
 * spatial cell. {@code coefficient × direction} is added to the activation elementwise on every forward pass while
 * the registration is open; nothing is broadcast or pooled.
 */
public final class CnnSteering {
    private CnnSteering() {}

    /** Open steering; closing it removes its hooks. */
    public interface Applied extends AutoCloseable {
        @Override
        void close();
    }

    /** Adds {@code coefficient × v} at every point of the network that {@code v} has a direction for. */
    public static Applied add(CnnHooks hooks, SteeringVector v, double coefficient) {
        if (!Double.isFinite(coefficient)) throw new IllegalArgumentException("coefficient " + coefficient + " is not a finite number");
        ImpalaCnn net = hooks.network();
        var regs = new java.util.ArrayList<CnnHooks.Registration>();
        for (var e : v.layers().entrySet()) {
            CnnHookPoint p = net.hookPoint(e.getKey());
            if (e.getValue().length != p.size())
                throw new IllegalArgumentException("vector for " + p.name() + " has " + e.getValue().length + " values but the point holds " + p.size() + " " + p.shapeString());
            float[] dir = e.getValue();
            float c = (float) coefficient;
            regs.add(hooks.add(p, a -> CnnKernels.axpy(c, dir, 0, a.data(), a.offset(0), dir.length)));
        }
        return () -> regs.forEach(CnnHooks.Registration::close);
    }

    /** One forward pass that records the activation at {@code point}, after any hooks already registered there. */
    public static float[] capture(ImpalaCnn net, CnnHooks hooks, float[] obs, CnnHookPoint point) {
        CnnHooks h = hooks == null ? net.newHooks() : hooks;
        float[][] got = new float[1][];
        try (var r = h.add(point, a -> got[0] = a.copyRow(0))) {
            net.forward(obs, h);
        }
        return got[0];
    }
}
