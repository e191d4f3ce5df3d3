package dev.steer4j.read;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The HTML pages of {@code steer4j read} (token heatmap) and {@code steer4j patch} (patching heatmap). */
public final class ReadPages {
    private ReadPages() {}

    static String now() {
        return ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** How a token shows in a heatmap cell: whitespace made visible, control characters escaped. */
    public static String visible(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("↵");
                case '\t' -> b.append("⇥");
                case '\r' -> b.append("\\r");
                default -> b.append(c < 0x20 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return b.toString();
    }

    /** The token heatmap of one or more readings, on one colour scale. */
    public static String reading(String model, String vector, List<Projection.Reading> readings) {
        double limit = 0;
        for (Projection.Reading r : readings) {
            for (int i = 0; i < r.scores().length; i++) {
                boolean bos = i == 0 && r.pieces()[i].equals("<s>");
                if (!bos) limit = Math.max(limit, Math.abs(r.scores()[i]));
            }
        }
        if (limit == 0) limit = 1;
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Projection.Reading r : readings) {
            List<Map<String, Object>> toks = new ArrayList<>();
            double max = Double.NEGATIVE_INFINITY, min = Double.POSITIVE_INFINITY;
            for (int i = 0; i < r.tokens().length; i++) {
                double s = r.scores()[i];
                max = Math.max(max, s);
                min = Math.min(min, s);
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("id", r.tokens()[i]);
                t.put("text", visible(r.pieces()[i]));
                t.put("raw", "'" + visible(r.pieces()[i]) + "'");
                t.put("score", Html.num(s));
                t.put("bg", Charts.css(s, limit));
                toks.add(t);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("text", r.text());
            m.put("mean", Html.num(r.mean(true)));
            m.put("max", Html.num(max));
            m.put("min", Html.num(min));
            m.put("tokens", toks);
            rs.add(m);
        }
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("title", "Reading: " + vector);
        ctx.put("model", model);
        ctx.put("vector", vector);
        ctx.put("hook", readings.isEmpty() ? "" : readings.get(0).point().name());
        ctx.put("limit", Html.num(limit));
        ctx.put("neg_limit", Html.num(-limit));
        ctx.put("readings", rs);
        ctx.put("generated", now());
        return Html.render("reading.html", ctx);
    }

    /** The patching heatmap page; {@code png} (a data URI, or null) embeds the same heatmap as an image. */
    public static String patching(String model, String cleanText, String corruptedText, ActivationPatching.Result r, String png) {
        List<Map<String, Object>> cols = new ArrayList<>();
        for (int p = 0; p < r.cleanTokens().length; p++) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("index", p);
            c.put("clean", visible(r.cleanPieces()[p]));
            c.put("corrupted", visible(r.corruptedPieces()[p]));
            c.put("differs", r.cleanTokens()[p] != r.corruptedTokens()[p]);
            cols.add(c);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        String bestWhere = "–";
        for (int i = 0; i < r.points().size(); i++) {
            List<Map<String, Object>> cells = new ArrayList<>();
            for (int p = 0; p < r.cleanTokens().length; p++) {
                double v = r.normalized(i, p);
                if (v > best) {
                    best = v;
                    bestWhere = r.points().get(i).name() + " @ " + p;
                }
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("text", Double.isNaN(v) ? "–" : String.format(java.util.Locale.ROOT, "%.2f", v));
                c.put("raw", Html.num(r.patched()[i][p]));
                c.put("bg", Charts.css(v, 1));
                cells.add(c);
            }
            rows.add(Map.of("name", r.points().get(i).name(), "cells", cells));
        }
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("title", "Activation patching");
        ctx.put("model", model);
        ctx.put("clean", cleanText);
        ctx.put("corrupted", corruptedText);
        ctx.put("target", visible(r.target().text()));
        ctx.put("distractor", visible(r.distractor().text()));
        ctx.put("clean_diff", Html.num(r.cleanDiff()));
        ctx.put("corrupted_diff", Html.num(r.corruptedDiff()));
        ctx.put("best_value", Double.isFinite(best) ? String.format(java.util.Locale.ROOT, "%.2f", best) : "–");
        ctx.put("best_where", bestWhere);
        ctx.put("columns", cols);
        ctx.put("rows", rows);
        ctx.put("png", png);
        ctx.put("generated", now());
        return Html.render("patch.html", ctx);
    }

    /** The patching heatmap as a chart (rows: hook points, columns: positions). */
    public static org.jfree.chart.JFreeChart patchChart(ActivationPatching.Result r) {
        List<String> cols = new ArrayList<>();
        for (int p = 0; p < r.cleanTokens().length; p++) {
            String c = visible(r.cleanPieces()[p]).strip();
            String k = visible(r.corruptedPieces()[p]).strip();
            cols.add(p + " " + (r.cleanTokens()[p] == r.corruptedTokens()[p] ? c : c + "/" + k));
        }
        List<String> rows = new ArrayList<>();
        for (var p : r.points()) rows.add(p.name());
        double[][] v = new double[rows.size()][cols.size()];
        for (int i = 0; i < rows.size(); i++) for (int p = 0; p < cols.size(); p++) v[i][p] = r.normalized(i, p);
        return Charts.heatmap("Activation patching: restored share of logit(" + r.target().text().strip() + ") − logit(" + r.distractor().text().strip() + ")",
                "position / token", "hook point", cols, rows, v, 1, "restored share");
    }
}
