package dev.steer4j.runtime;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named activation: a {@link HookSite} and, for per-block sites, a layer. Parsed once from the public names
 * ({@code blocks.3.hook_resid_post}, {@code hook_embed}, {@code ln_final.hook_normalized}).
 *
 * @param layer the block index, or -1 for {@code hook_embed} and {@code ln_final.hook_normalized}
 */
public record HookPoint(HookSite site, int layer) {
    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d{1,6})\\.((?:attn\\.|mlp\\.)?hook_[a-z_]+)");

    public HookPoint {
        if (site.perLayer && layer < 0) throw new IllegalArgumentException(site.suffix + " needs a layer >= 0, got " + layer);
        if (!site.perLayer && layer != -1) throw new IllegalArgumentException(site.suffix + " has no layer");
    }

    public static HookPoint embed() { return new HookPoint(HookSite.EMBED, -1); }
    public static HookPoint finalNorm() { return new HookPoint(HookSite.FINAL_NORM, -1); }
    public static HookPoint residPre(int layer) { return new HookPoint(HookSite.RESID_PRE, layer); }
    public static HookPoint residPost(int layer) { return new HookPoint(HookSite.RESID_POST, layer); }
    public static HookPoint of(HookSite site, int layer) { return new HookPoint(site, site.perLayer ? layer : -1); }

    /** Parses a public hook name; the error lists the valid forms. */
    public static HookPoint parse(String name) {
        String n = name.trim();
        if (n.equals(HookSite.EMBED.suffix)) return embed();
        if (n.equals(HookSite.FINAL_NORM.suffix)) return finalNorm();
        Matcher m = BLOCK.matcher(n);
        if (m.matches()) {
            for (HookSite s : HookSite.values()) {
                if (s.perLayer && s.suffix.equals(m.group(2))) return new HookPoint(s, Integer.parseInt(m.group(1)));
            }
        }
        throw new IllegalArgumentException("unknown hook point '" + name + "' (valid: hook_embed, blocks.L.hook_resid_pre, "
                + "blocks.L.hook_attn_out, blocks.L.hook_resid_mid, blocks.L.hook_mlp_out, blocks.L.hook_resid_post, "
                + "blocks.L.attn.hook_q, blocks.L.attn.hook_k, blocks.L.attn.hook_v, blocks.L.attn.hook_pattern, blocks.L.attn.hook_z, "
                + "blocks.L.mlp.hook_post, ln_final.hook_normalized)");
    }

    /** Checks that the layer exists in a model with {@code layers} blocks. */
    public HookPoint checkLayer(int layers) {
        if (site.perLayer && layer >= layers)
            throw new IllegalArgumentException("hook point '" + name() + "': layer " + layer + " does not exist (the model has layers 0-" + (layers - 1) + ")");
        return this;
    }

    public String name() {
        return site.perLayer ? "blocks." + layer + "." + site.suffix : site.suffix;
    }

    @Override
    public String toString() { return name(); }
}
