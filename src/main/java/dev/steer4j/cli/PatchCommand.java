package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.read.ActivationPatching;
import dev.steer4j.read.Charts;
import dev.steer4j.read.Html;
import dev.steer4j.read.ReadPages;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code steer4j patch}: activation patching of a clean run into a corrupted one, per (hook point, position). */
@Command(name = "patch", mixinStandardHelpOptions = true,
        description = {"Activation patching: run the corrupted prompt with one activation (hook point × position) taken from the clean run, "
                + "and measure logit(target) − logit(distractor) at the last position. The prompts must have the same number of tokens.",
                "Prints the restored share per cell; with -o writes patch.html (heatmap), patch.png and patch.json."})
public final class PatchCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = "--clean", paramLabel = "TEXT", required = true, description = "Clean prompt")
    String clean;

    @Option(names = "--corrupted", paramLabel = "TEXT", required = true, description = "Corrupted prompt (same token count as the clean one)")
    String corrupted;

    @Option(names = "--target", paramLabel = "TEXT", description = "Target answer as it would follow the prompt, e.g. ' happy' (its first token is used)")
    String target;

    @Option(names = "--distractor", paramLabel = "TEXT", description = "Distractor answer, e.g. ' sad'")
    String distractor;

    @Option(names = "--target-id", paramLabel = "ID", description = "Target token id (instead of --target)")
    Integer targetId;

    @Option(names = "--distractor-id", paramLabel = "ID", description = "Distractor token id (instead of --distractor)")
    Integer distractorId;

    @Option(names = "--sites", paramLabel = "SITE", split = ",", defaultValue = "resid_pre",
            description = "Sites patched in every layer: resid_pre, attn_out, resid_mid, mlp_out, resid_post (comma list; default: ${DEFAULT-VALUE})")
    List<String> sites;

    @Option(names = "--hook", paramLabel = "HOOK", description = "Patch these hook points instead of --sites (repeatable), e.g. blocks.0.hook_resid_pre")
    List<String> hooks = new ArrayList<>();

    @Option(names = "--heads", paramLabel = "SITE",
            description = "Head-level patching instead: patch each head of attn.hook_SITE (z, q, k, v or pattern) in every layer at every position, "
                    + "and print the restored share per layer × head")
    String heads;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Write patch.html, patch.png and patch.json here")
    Path out;

    @Override
    public Integer call() {
        try (Model m = model.load()) {
            Tokenizer tok = m.tokenizer();
            int[] c = tok.encode(clean), k = tok.encode(corrupted);
            ActivationPatching.checkPrompts(m, c, k);
            int t = token(tok, c, target, targetId, "target");
            int d = token(tok, c, distractor, distractorId, "distractor");
            if (heads != null) {
                if (out != null) throw new IllegalArgumentException("--heads prints its table only; drop -o");
                String suffix = "attn.hook_" + heads.strip().toLowerCase(Locale.ROOT).replaceFirst("^(attn\\.)?hook_", "");
                HookSite site = Arrays.stream(HookSite.values()).filter(x -> x.suffix.equals(suffix)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("--heads '" + heads + "': expected z, q, k, v or pattern"));
                ForwardPass fp = new ForwardPass(m);
                float[] cl = ActivationCache.run(fp, c, List.of()).logits(), co = ActivationCache.run(fp, k, List.of()).logits();
                double cleanDiff = cl[t] - cl[d], corrDiff = co[t] - co[d];
                ProgressBar bar = new ProgressBar("patch");
                double[][] r;
                try {
                    r = ActivationPatching.scanHeads(fp, c, k, site, t, d, bar);
                } finally {
                    bar.close();
                }
                System.out.printf("clean logit diff %s, corrupted %s%n", Html.num(cleanDiff), Html.num(corrDiff));
                System.out.println("restored share per head of " + site.suffix + " (patched at every position):");
                StringBuilder h = new StringBuilder("layer");
                for (int i = 0; i < r[0].length; i++) h.append(String.format(" %7s", "head " + i));
                System.out.println(h);
                for (int l = 0; l < r.length; l++) {
                    StringBuilder row = new StringBuilder(String.format("%5d", l));
                    for (double v : r[l]) row.append(String.format(Locale.ROOT, " %7.3f", cleanDiff == corrDiff ? Double.NaN : (v - corrDiff) / (cleanDiff - corrDiff)));
                    System.out.println(row);
                }
                return 0;
            }
            List<HookPoint> points = new ArrayList<>();
            if (!hooks.isEmpty()) {
                for (String h : hooks) points.add(HookPoint.parse(h).checkLayer(m.config().layers()));
            } else {
                for (String s : sites) {
                    String suffix = "hook_" + s.strip().toLowerCase(Locale.ROOT).replaceFirst("^hook_", "");
                    HookSite site = Arrays.stream(HookSite.values()).filter(x -> x.perLayer && x.suffix.equals(suffix)).findFirst()
                            .orElseThrow(() -> new IllegalArgumentException("unknown site '" + s + "' (valid: resid_pre, attn_out, resid_mid, mlp_out, resid_post)"));
                    for (int l = 0; l < m.config().layers(); l++) points.add(HookPoint.of(site, l));
                }
            }
            ProgressBar bar = new ProgressBar("patch");
            ActivationPatching.Result r;
            try {
                r = ActivationPatching.scan(new ForwardPass(m), c, k, points, t, d, bar);
            } finally {
                bar.close();
            }
            print(r);
            if (out != null) write(m, r);
        }
        return 0;
    }

    /** The first token of {@code text} as a continuation of the clean prompt, or the given id. */
    static int token(Tokenizer tok, int[] prompt, String text, Integer id, String what) {
        if (id != null) {
            if (id < 0 || id >= tok.vocabSize()) throw new IllegalArgumentException("--" + what + "-id " + id + " is outside the vocabulary (0-" + (tok.vocabSize() - 1) + ")");
            return id;
        }
        if (text == null || text.isEmpty()) throw new IllegalArgumentException("give --" + what + " TEXT or --" + what + "-id N");
        String p = tok.decode(prompt);
        int[] all = tok.encode(p + text);
        if (all.length > prompt.length && Arrays.equals(Arrays.copyOf(all, prompt.length), prompt)) return all[prompt.length];
        throw new IllegalArgumentException("--" + what + " '" + text + "' does not tokenise as a continuation of the clean prompt (it merges with the prompt's last token); give --" + what + "-id instead");
    }

    private static void print(ActivationPatching.Result r) {
        System.out.printf("clean logit diff %s, corrupted %s (target %s, distractor %s)%n", Html.num(r.cleanDiff()), Html.num(r.corruptedDiff()),
                "'" + ReadPages.visible(r.target().text()) + "'", "'" + ReadPages.visible(r.distractor().text()) + "'");
        System.out.println("restored share (patched - corrupted) / (clean - corrupted):");
        int w = r.points().stream().mapToInt(p -> p.name().length()).max().orElse(10);
        StringBuilder h = new StringBuilder(" ".repeat(w));
        for (int p = 0; p < r.cleanTokens().length; p++) {
            String s = ReadPages.visible(r.cleanPieces()[p]).strip();
            h.append(String.format(" %7s", s.length() > 7 ? s.substring(0, 7) : s));
        }
        System.out.println(h);
        for (int i = 0; i < r.points().size(); i++) {
            StringBuilder s = new StringBuilder(String.format("%-" + w + "s", r.points().get(i).name()));
            for (int p = 0; p < r.cleanTokens().length; p++) s.append(String.format(Locale.ROOT, " %7.3f", r.normalized(i, p)));
            System.out.println(s);
        }
    }

    private void write(Model m, ActivationPatching.Result r) {
        try {
            Files.createDirectories(out);
            byte[] png = Charts.writePng(ReadPages.patchChart(r), Math.max(760, 200 + 70 * r.cleanTokens().length), Math.max(420, 160 + 34 * r.points().size()), out.resolve("patch.png"));
            Html.write(out.resolve("patch.html"), ReadPages.patching(m.config().name(), clean, corrupted, r, Charts.dataUri(png)));
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = om.createObjectNode();
            o.put("clean", clean);
            o.put("corrupted", corrupted);
            o.putPOJO("clean_tokens", r.cleanTokens());
            o.putPOJO("corrupted_tokens", r.corruptedTokens());
            o.put("target", r.target().id());
            o.put("distractor", r.distractor().id());
            o.put("clean_logit_diff", r.cleanDiff());
            o.put("corrupted_logit_diff", r.corruptedDiff());
            ArrayNode rows = o.putArray("patched");
            for (int i = 0; i < r.points().size(); i++) {
                ObjectNode row = rows.addObject();
                row.put("hook", r.points().get(i).name());
                ArrayNode diffs = row.putArray("logit_diff");
                ArrayNode norm = row.putArray("restored");
                for (int p = 0; p < r.cleanTokens().length; p++) {
                    diffs.add(r.patched()[i][p]);
                    double v = r.normalized(i, p);
                    if (Double.isFinite(v)) norm.add(v); else norm.addNull();
                }
            }
            om.writeValue(out.resolve("patch.json").toFile(), o);
            System.err.println("wrote " + out.resolve("patch.html") + ", patch.png and patch.json");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + out + ": " + e.getMessage(), e);
        }
    }
}
