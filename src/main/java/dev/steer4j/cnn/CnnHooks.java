package dev.steer4j.cnn;

import dev.steer4j.runtime.Activations;
import dev.steer4j.runtime.Hook;

import java.util.Arrays;

/**
 * The hooks of one CNN forward pass (or a series of them), indexed by hook point. They are the LLM side's
 * {@link Hook}s: each receives the activation at its point as one row of {@link CnnHookPoint#size()} floats in CHW
 * order and may read it (capture) or change it in place (steer); everything downstream sees the change.
 * Registration is copy-on-write, so a pass with no hooks pays one null check per point.
 */
public final class CnnHooks {
    private final ImpalaCnn net;
    private volatile Hook[][] table;

    CnnHooks(ImpalaCnn net) {
        this.net = net;
        this.table = new Hook[net.hookPoints().size()][];
    }

    public ImpalaCnn network() { return net; }

    /** Adds a hook at a point named as in {@link ImpalaCnn#hookPoint(String)}; closing the handle removes it. */
    public Registration add(String point, Hook hook) {
        return add(net.hookPoint(point), hook);
    }

    public synchronized Registration add(CnnHookPoint point, Hook hook) {
        if (hook == null) throw new IllegalArgumentException("hook is null");
        Hook[][] t = table.clone();
        Hook[] old = t[point.index()];
        Hook[] now = old == null ? new Hook[]{hook} : Arrays.copyOf(old, old.length + 1);
        now[now.length - 1] = hook;
        t[point.index()] = now;
        table = t;
        return new Registration(this, point, hook);
    }

    synchronized void remove(CnnHookPoint point, Hook hook) {
        Hook[][] t = table.clone();
        Hook[] old = t[point.index()];
        if (old == null) return;
        Hook[] now = Arrays.stream(old).filter(h -> h != hook).toArray(Hook[]::new);
        t[point.index()] = now.length == 0 ? null : now;
        table = t;
    }

    public synchronized void clear() { table = new Hook[table.length][]; }

    public boolean isEmpty() {
        for (Hook[] h : table) if (h != null) return false;
        return true;
    }

    /** Runs the hooks at point {@code index} on {@code data} (the whole activation). */
    void run(int index, float[] data) {
        Hook[] hs = table[index];
        if (hs == null) return;
        Activations a = Activations.detached(data, 0, 1, data.length);
        for (Hook h : hs) h.apply(a);
    }

    /** A handle that removes its hook when closed. */
    public record Registration(CnnHooks hooks, CnnHookPoint point, Hook hook) implements AutoCloseable {
        @Override
        public void close() { hooks.remove(point, hook); }
    }
}
