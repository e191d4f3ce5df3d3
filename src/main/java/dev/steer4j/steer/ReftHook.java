package dev.steer4j.steer;

import dev.steer4j.runtime.Activations;
import dev.steer4j.runtime.Hook;

/** Runs one layer of a {@link ReftIntervention} on the rows its positions select (and, under CAST, only when active). */
final class ReftHook implements Hook {
    private final ReftIntervention reft;
    private final int layer;
    private final CastGate gate;
    private final double[] delta; // scratch: a hook belongs to one sequence, so one thread at a time

    ReftHook(ReftIntervention reft, int layer, CastGate gate) {
        this.reft = reft;
        this.layer = layer;
        this.gate = gate;
        this.delta = new double[reft.rank()];
    }

    @Override
    public void apply(Activations a) {
        if (gate != null && !gate.active()) return;
        int pl = a.promptLength();
        if (pl == 0) pl = a.position(a.rows() - 1) + 1; // no prompt length set: the rows of this call are the prompt
        for (int r = 0, rows = a.rows(); r < rows; r++)
            if (reft.positions().test(a.position(r), pl)) reft.apply(layer, a.data(), a.offset(r), delta);
    }
}
