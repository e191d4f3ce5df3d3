package dev.steer4j.runtime;

import java.util.Arrays;

/**
 * The hooks of one sequence, indexed by site and layer. Registration is copy-on-write, so the forward pass reads a
 * plain array: one null check per site per layer when nothing is registered.
 */
public final class HookRegistry {
    private final int layers;
    private volatile Hook[][] table; // [slot][hooks in order]

    public HookRegistry(int layers) {
        this.layers = layers;
        this.table = new Hook[2 + HookSite.values().length * layers][];
    }

    public int layers() { return layers; }

    private int slot(HookPoint p) {
        p.checkLayer(layers);
        return switch (p.site()) {
            case EMBED -> 0;
            case FINAL_NORM -> 1;
            default -> 2 + p.site().ordinal() * layers + p.layer();
        };
    }

    private int slot(HookSite site, int layer) {
        return switch (site) {
            case EMBED -> 0;
            case FINAL_NORM -> 1;
            default -> 2 + site.ordinal() * layers + layer;
        };
    }

    /** Adds a hook; closing the returned handle removes it. */
    public synchronized Registration add(HookPoint point, Hook hook) {
        int s = slot(point);
        Hook[][] t = table.clone();
        Hook[] old = t[s];
        Hook[] now = old == null ? new Hook[]{hook} : Arrays.copyOf(old, old.length + 1);
        now[now.length - 1] = hook;
        t[s] = now;
        table = t;
        return new Registration(this, point, hook);
    }

    synchronized void remove(HookPoint point, Hook hook) {
        int s = slot(point);
        Hook[][] t = table.clone();
        Hook[] old = t[s];
        if (old == null) return;
        Hook[] now = Arrays.stream(old).filter(h -> h != hook).toArray(Hook[]::new);
        t[s] = now.length == 0 ? null : now;
        table = t;
    }

    /** Removes every hook. */
    public synchronized void clear() {
        table = new Hook[table.length][];
    }

    public boolean isEmpty() {
        for (Hook[] h : table) if (h != null) return false;
        return true;
    }

    /** The hooks at a site and layer, or null when there are none. */
    Hook[] at(HookSite site, int layer) {
        return table[slot(site, layer)];
    }

    /** A handle that removes its hook when closed. */
    public record Registration(HookRegistry registry, HookPoint point, Hook hook) implements AutoCloseable {
        @Override
        public void close() { registry.remove(point, hook); }
    }

    /** For example {@code HookRegistry[2 hooks]}. */
    @Override
    public String toString() {
        int n = 0;
        Hook[][] t = table;
        if (t != null) for (Hook[] hs : t) if (hs != null) n += hs.length;
        return "HookRegistry[" + n + (n == 1 ? " hook]" : " hooks]");
    }
}
