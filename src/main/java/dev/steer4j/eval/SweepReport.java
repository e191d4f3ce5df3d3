package dev.steer4j.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.read.Charts;
import dev.steer4j.read.Html;
import org.jfree.chart.JFreeChart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The files a finished sweep leaves for people and tools: {@code results.json}, {@code results.csv}, PNG plots
 * (behaviour vs coefficient per layer, tax vs coefficient, behaviour vs tax) and a self-contained {@code report.html}
 * with the plots inlined.
 */
public final class SweepReport {
    /** The files written. */
    public record Written(Path json, Path csv, List<Path> plots, Path html) {}

    static final int W = 820, H = 500;

    private SweepReport() {}

    public static Written write(Sweep.Results r, Path out) {
        Path json = out.resolve("results.json");
        Sweep.writeAtomically(json, json(r));
        Path csv = out.resolve("results.csv");
        writeText(csv, csv(r));
        Map<String, Plot> plots = plots(r);
        List<Path> files = new ArrayList<>();
        for (var e : plots.entrySet()) {
            Path f = out.resolve(e.getKey());
            e.getValue().png = Charts.writePng(e.getValue().chart, W, e.getValue().height, f);
            files.add(f);
        }
        Path html = out.resolve("report.html");
        Html.write(html, html(r, plots));
        return new Written(json, csv, files, html);
    }

    /** results.json: the settings, the unsteered baseline and every point. */
    static ObjectNode json(Sweep.Results r) {
        ObjectNode n = Sweep.JSON.createObjectNode();
        n.put("format", Sweep.FORMAT);
        n.set("settings", Sweep.JSON.valueToTree(r.settings()));
        n.set("baseline", Sweep.toJson(r.baseline()));
        ArrayNode ps = n.putArray("points");
        for (Sweep.Point p : r.points()) ps.add(Sweep.toJson(p));
        return n;
    }

    static final String[] CSV_COLUMNS = {"layer", "coefficient", "behaviour_mean", "behaviour_stderr", "behaviour_delta",
            "perplexity", "perplexity_ratio", "kl", "top1_agreement",
            "judge_concept", "judge_instruction", "judge_fluency", "judge_aggregate", "judge_behaviour"};

    /** results.csv: one row per grid point; empty cells for what was not measured. */
    static String csv(Sweep.Results r) {
        StringBuilder b = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        double base = r.baseline().behaviour() == null ? Double.NaN : r.baseline().behaviour().mean();
        for (Sweep.Point p : r.points()) {
            List<String> row = new ArrayList<>();
            row.add(Integer.toString(p.layer()));
            row.add(Grid.format(p.coefficient()));
            var bh = p.behaviour();
            row.add(cell(bh == null ? Double.NaN : bh.mean()));
            row.add(cell(bh == null ? Double.NaN : bh.stderr()));
            row.add(cell(bh == null ? Double.NaN : bh.mean() - base));
            var t = p.tax();
            row.add(cell(t == null ? Double.NaN : t.perplexity()));
            row.add(cell(t == null ? Double.NaN : t.perplexity() / t.baselinePerplexity()));
            row.add(cell(t == null ? Double.NaN : t.meanKl()));
            row.add(cell(t == null ? Double.NaN : t.top1Agreement()));
            Judge.Scores s = p.open() == null ? null : p.open().mean();
            row.add(cell(s == null ? Double.NaN : s.concept()));
            row.add(cell(s == null ? Double.NaN : s.instruction()));
            row.add(cell(s == null ? Double.NaN : s.fluency()));
            row.add(cell(s == null ? Double.NaN : s.aggregate()));
            row.add(cell(s == null ? Double.NaN : s.behaviour()));
            b.append(String.join(",", row)).append('\n');
        }
        return b.toString();
    }

    private static String cell(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "";
    }

    // ------------------------------------------------------------------ plots

    static final class Plot {
        final JFreeChart chart;
        final int height;
        final String caption;
        byte[] png;

        Plot(JFreeChart chart, int height, String caption) {
            this.chart = chart;
            this.height = height;
            this.caption = caption;
        }
    }

    private interface Metric { double of(Sweep.Point p); }

    private static List<Charts.Series> perLayer(Sweep.Results r, Metric m) {
        Map<Integer, List<Sweep.Point>> by = byLayer(r);
        List<Charts.Series> out = new ArrayList<>();
        for (var e : by.entrySet()) {
            List<Sweep.Point> ps = new ArrayList<>(e.getValue());
            ps.sort((a, b) -> Double.compare(a.coefficient(), b.coefficient()));
            double[] x = new double[ps.size()], y = new double[ps.size()];
            for (int i = 0; i < ps.size(); i++) {
                x[i] = ps.get(i).coefficient();
                y[i] = m.of(ps.get(i));
            }
            out.add(new Charts.Series("layer " + e.getKey(), x, y));
        }
        return out;
    }

    static Map<Integer, List<Sweep.Point>> byLayer(Sweep.Results r) {
        Map<Integer, List<Sweep.Point>> by = new LinkedHashMap<>();
        for (Sweep.Point p : r.points()) by.computeIfAbsent(p.layer(), k -> new ArrayList<>()).add(p);
        return by;
    }

    static Map<String, Plot> plots(Sweep.Results r) {
        Map<String, Plot> out = new LinkedHashMap<>();
        String vec = String.valueOf(r.settings().get("vector"));
        boolean hasAb = r.baseline().behaviour() != null;
        boolean hasTax = r.baseline().tax() != null;
        boolean judged = r.baseline().open() != null && r.baseline().open().completions().stream().anyMatch(c -> c.scores() != null);
        if (hasAb) {
            JFreeChart c = Charts.lines("Behaviour vs steering coefficient", "coefficient", "p(answer matching behaviour)",
                    perLayer(r, p -> p.behaviour().mean()), r.baseline().behaviour().mean(), "unsteered");
            Charts.subtitle(c, vec + " on " + r.settings().get("ab") + " (" + r.settings().get("ab_items") + " items)");
            out.put("behaviour_vs_coefficient.png", new Plot(c, H, "Mean probability of the answer matching the behaviour, normalised over the two answer tokens, per layer. Dashed: the unsteered model."));
        }
        if (hasTax) {
            Map<String, List<Charts.Series>> panels = new LinkedHashMap<>();
            panels.put("KL(steered ‖ unsteered)", perLayer(r, p -> p.tax().meanKl()));
            panels.put("perplexity", perLayer(r, p -> p.tax().perplexity()));
            panels.put("top-1 agreement", perLayer(r, p -> p.tax().top1Agreement()));
            JFreeChart c = Charts.stacked("Alignment tax vs steering coefficient", "coefficient", panels);
            Charts.subtitle(c, "on " + r.settings().get("neutral") + " (" + r.baseline().tax().positions() + " positions); unsteered perplexity "
                    + Html.num(r.baseline().tax().perplexity()));
            out.put("tax_vs_coefficient.png", new Plot(c, 680, "The cost on neutral text: mean KL divergence of the next-token distributions (nats), perplexity and how often the top token is unchanged."));
        }
        if (hasAb && hasTax) {
            List<Charts.Series> series = new ArrayList<>();
            for (var e : byLayer(r).entrySet()) {
                List<Sweep.Point> ps = new ArrayList<>(e.getValue());
                ps.sort((a, b) -> Double.compare(a.coefficient(), b.coefficient()));
                double[] x = new double[ps.size()], y = new double[ps.size()];
                String[] l = new String[ps.size()];
                for (int i = 0; i < ps.size(); i++) {
                    x[i] = ps.get(i).tax().meanKl();
                    y[i] = ps.get(i).behaviour().mean();
                    l[i] = Grid.format(ps.get(i).coefficient());
                }
                series.add(new Charts.Series("layer " + e.getKey(), x, y, l));
            }
            List<Sweep.Point> front = pareto(r.points());
            double[] fx = new double[front.size()], fy = new double[front.size()];
            for (int i = 0; i < front.size(); i++) {
                fx[i] = front.get(i).tax().meanKl();
                fy[i] = front.get(i).behaviour().mean();
            }
            series.add(new Charts.Series("Pareto front", fx, fy));
            JFreeChart c = Charts.scatter("Behaviour vs alignment tax", "KL(steered ‖ unsteered) on neutral text (nats)", "p(answer matching behaviour)", series, true);
            Charts.subtitle(c, "labels: coefficient; up and to the left is better");
            out.put("behaviour_vs_tax.png", new Plot(c, H, "Each point is one (layer, coefficient). The black line joins the settings no other setting beats on both behaviour and KL."));
        }
        if (judged) {
            Map<String, List<Charts.Series>> panels = new LinkedHashMap<>();
            panels.put("AxBench aggregate (0-2)", perLayer(r, p -> p.open().mean().aggregate()));
            panels.put("concept (0-2)", perLayer(r, p -> p.open().mean().concept()));
            panels.put("fluency (0-2)", perLayer(r, p -> p.open().mean().fluency()));
            if (!Double.isNaN(r.baseline().open().mean().behaviour()))
                panels.put("behaviour (0-10)", perLayer(r, p -> p.open().mean().behaviour()));
            JFreeChart c = Charts.stacked("Judge scores vs steering coefficient", "coefficient", panels);
            out.put("judge_vs_coefficient.png", new Plot(c, 760, "Mean judge scores of the open-ended completions: AxBench's concept, instruction and fluency (0-2; the aggregate is their harmonic mean) and the CAA-style behaviour score (0-10)."));
        }
        return out;
    }

    /** Points not dominated in (higher behaviour, lower KL), by increasing KL. */
    static List<Sweep.Point> pareto(List<Sweep.Point> points) {
        List<Sweep.Point> ps = new ArrayList<>(points);
        ps.removeIf(p -> p.behaviour() == null || p.tax() == null);
        ps.sort((a, b) -> a.tax().meanKl() != b.tax().meanKl() ? Double.compare(a.tax().meanKl(), b.tax().meanKl())
                : Double.compare(b.behaviour().mean(), a.behaviour().mean()));
        List<Sweep.Point> front = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (Sweep.Point p : ps) {
            if (p.behaviour().mean() > best) {
                front.add(p);
                best = p.behaviour().mean();
            }
        }
        return front;
    }

    // ------------------------------------------------------------------ HTML

    private static String f3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "–";
    }

    private static String f4(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "–";
    }

    static String html(Sweep.Results r, Map<String, Plot> plots) {
        Map<String, Object> ctx = new LinkedHashMap<>();
        Map<String, Object> s = r.settings();
        ctx.put("title", "Steering sweep: " + s.get("vector"));
        List<Map<String, String>> settings = new ArrayList<>();
        for (var e : s.entrySet()) {
            if (e.getValue() == null || e.getKey().endsWith("sha256")) continue;
            settings.add(Map.of("k", e.getKey(), "v", String.valueOf(e.getValue())));
        }
        ctx.put("settings", settings);
        List<Integer> layers = new ArrayList<>(byLayer(r).keySet());
        List<Double> coefs = new ArrayList<>();
        for (Sweep.Point p : r.points()) if (!coefs.contains(p.coefficient())) coefs.add(p.coefficient());
        coefs.sort(Double::compare);
        ctx.put("grid", layers.size() + " layers (" + layers + ") × " + coefs.size() + " coefficients (" + Grid.format(coefs.getFirst()) + " … " + Grid.format(coefs.getLast()) + ")");

        Sweep.Point base = r.baseline();
        boolean hasAb = base.behaviour() != null, hasTax = base.tax() != null;
        ctx.put("has_ab", hasAb);
        ctx.put("has_tax", hasTax);
        List<Map<String, String>> cards = new ArrayList<>();
        if (hasAb) cards.add(card(f3(base.behaviour().mean()), "unsteered p(matching behaviour)"));
        if (hasTax) cards.add(card(f3(base.tax().perplexity()), "unsteered perplexity on neutral text"));
        if (hasAb) {
            Sweep.Point hi = null, lo = null;
            for (Sweep.Point p : r.points()) {
                if (hi == null || p.behaviour().mean() > hi.behaviour().mean()) hi = p;
                if (lo == null || p.behaviour().mean() < lo.behaviour().mean()) lo = p;
            }
            cards.add(card(f3(hi.behaviour().mean()), "highest, at layer " + hi.layer() + ", coefficient " + Grid.format(hi.coefficient())
                    + (hasTax ? " (KL " + f3(hi.tax().meanKl()) + ")" : "")));
            cards.add(card(f3(lo.behaviour().mean()), "lowest, at layer " + lo.layer() + ", coefficient " + Grid.format(lo.coefficient())
                    + (hasTax ? " (KL " + f3(lo.tax().meanKl()) + ")" : "")));
            if (hasTax) {
                Sweep.Point best = null;
                for (Sweep.Point p : r.points())
                    if (p.coefficient() != 0 && p.tax().top1Agreement() >= 0.8 && (best == null || p.behaviour().mean() > best.behaviour().mean())) best = p;
                if (best != null)
                    cards.add(card(f3(best.behaviour().mean()), "highest with ≥ 80% top-1 agreement: layer " + best.layer() + ", coefficient " + Grid.format(best.coefficient())));
            }
        }
        ctx.put("cards", cards);

        List<Map<String, String>> ps = new ArrayList<>();
        for (var e : plots.entrySet())
            ps.add(Map.of("src", Charts.dataUri(e.getValue().png), "alt", e.getKey(), "caption", e.getValue().caption));
        ctx.put("plots", ps);

        // results table, best behaviour per layer in bold
        boolean judged = base.open() != null && base.open().completions().stream().anyMatch(c -> c.scores() != null);
        ctx.put("judged", judged);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Sweep.Point p : r.points()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("layer", p.layer());
            row.put("coef", Grid.format(p.coefficient()));
            if (hasAb) {
                row.put("b", f3(p.behaviour().mean()));
                row.put("se", f3(p.behaviour().stderr()));
                row.put("delta", String.format(Locale.ROOT, "%+.3f", p.behaviour().mean() - base.behaviour().mean()));
                row.put("bg", Charts.css(p.behaviour().mean() - base.behaviour().mean(), 0.5));
            }
            if (hasTax) {
                row.put("ppl", f3(p.tax().perplexity()));
                row.put("kl", f4(p.tax().meanKl()));
                row.put("top1", f3(p.tax().top1Agreement()));
                row.put("klbg", Charts.css(Math.min(p.tax().meanKl(), 1), 1));
            }
            if (judged) {
                row.put("agg", f3(p.open().mean().aggregate()));
                row.put("jb", f3(p.open().mean().behaviour()));
            }
            rows.add(row);
        }
        ctx.put("rows", rows);

        // per-item probabilities: for each layer, items × coefficients
        if (hasAb) {
            List<Map<String, Object>> tables = new ArrayList<>();
            for (var e : byLayer(r).entrySet()) {
                List<Sweep.Point> lp = new ArrayList<>(e.getValue());
                lp.sort((a, b) -> Double.compare(a.coefficient(), b.coefficient()));
                List<String> head = new ArrayList<>();
                for (Sweep.Point p : lp) head.add(Grid.format(p.coefficient()));
                List<Map<String, Object>> items = new ArrayList<>();
                int n = Math.min(200, base.behaviour().perItem().length);
                for (int i = 0; i < n; i++) {
                    List<Map<String, String>> cells = new ArrayList<>();
                    for (Sweep.Point p : lp) {
                        double v = p.behaviour().perItem()[i];
                        cells.add(Map.of("v", f3(v), "bg", Charts.css(v - 0.5, 0.5)));
                    }
                    items.add(Map.of("i", i, "base", f3(base.behaviour().perItem()[i]), "cells", cells));
                }
                tables.add(Map.of("layer", e.getKey(), "head", head, "items", items));
            }
            ctx.put("item_tables", tables);
        }

        // completions: per layer, per coefficient
        if (base.open() != null) {
            List<Map<String, Object>> groups = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            for (OpenEval.Completion c : base.open().completions()) prompts.add(c.prompt());
            for (int pi = 0; pi < prompts.size(); pi++) {
                List<Map<String, Object>> lines = new ArrayList<>();
                lines.add(completionRow("unsteered", "", base.open().completions().get(pi), base));
                for (Sweep.Point p : r.points())
                    lines.add(completionRow("layer " + p.layer(), Grid.format(p.coefficient()), p.open().completions().get(pi), p));
                groups.add(Map.of("prompt", prompts.get(pi), "lines", lines));
            }
            ctx.put("completions", groups);
        }
        ctx.put("generated", ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        return Html.render("sweep.html", ctx);
    }

    private static Map<String, Object> completionRow(String layer, String coef, OpenEval.Completion c, Sweep.Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", layer);
        m.put("coef", coef);
        m.put("text", c.text());
        m.put("kl", p.tax() == null ? "–" : f4(p.tax().meanKl()));
        Judge.Scores s = c.scores();
        m.put("scores", s == null ? "" : "concept " + f3(s.concept()) + " · instruction " + f3(s.instruction()) + " · fluency " + f3(s.fluency())
                + (Double.isNaN(s.behaviour()) ? "" : " · behaviour " + f3(s.behaviour())));
        return m;
    }

    private static Map<String, String> card(String v, String k) {
        return Map.of("v", v, "k", k);
    }

    private static void writeText(Path f, String s) {
        try {
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, s, StandardCharsets.UTF_8);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }
}
