package dev.steer4j.maze;

import dev.steer4j.read.Charts;
import dev.steer4j.read.Html;
import dev.steer4j.read.Progress;
import dev.steer4j.steer.SteeringVector;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The eval's HTML report: the summary, a per-maze chart and table, and vector fields before and after steering. */
public final class MazeReport {
    private MazeReport() {}

    /** Writes {@code dir/index.html}; vector fields are drawn for the first {@code fieldMazes} mazes. */
    public static Path write(Path dir, String policyName, MazePolicy policy, CheeseVectorEval.Summary s, int fieldMazes, Progress progress) {
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("title", "Cheese vector: seeds " + s.seedFirst() + "-" + s.seedLast());
        ctx.put("policy", policyName);
        ctx.put("site", s.site());
        ctx.put("seeds", s.seedFirst() + "-" + s.seedLast());
        ctx.put("mazes", s.mazes());
        ctx.put("coefficient", Html.num(s.coefficient()));
        ctx.put("median_p_cheese", Html.num(s.medianPCheese()));
        ctx.put("median_p_cheese_steered", Html.num(s.medianPCheeseSteered()));
        ctx.put("mean_p_cheese", Html.num(s.meanPCheese()));
        ctx.put("mean_p_cheese_steered", Html.num(s.meanPCheeseSteered()));
        ctx.put("median_p_top_right", Html.num(s.medianPTopRight()));
        ctx.put("median_p_top_right_steered", Html.num(s.medianPTopRightSteered()));
        ctx.put("fraction_decreased", Html.num(s.fractionPCheeseDecreased()));
        List<DecisionSquareResult> rs = s.perMaze();
        double[] x = new double[rs.size()], a = new double[rs.size()], b = new double[rs.size()];
        for (int i = 0; i < rs.size(); i++) {
            x[i] = rs.get(i).seed();
            a[i] = rs.get(i).pCheese();
            b[i] = rs.get(i).pCheeseSteered();
        }
        var chart = Charts.scatter("P(cheese) at the decision square", "seed", "P(cheese)",
                List.of(new Charts.Series("unsteered", x, a), new Charts.Series("steered (c = " + Html.num(s.coefficient()) + ")", x, b)), false);
        ctx.put("scatter", Charts.dataUri(Charts.png(chart, 900, 420)));
        List<Map<String, Object>> fields = new ArrayList<>();
        int k = Math.min(fieldMazes, rs.size());
        for (int i = 0; i < k; i++) {
            DecisionSquareResult r = rs.get(i);
            progress.update(i, k, "vector field of seed " + r.seed());
            MazeLevel level = MazeGenerator.generate(r.seed());
            SteeringVector v = policy.cheeseVector(level, s.site());
            var img = VectorFieldPlot.draw(List.of(VectorField.of(policy, level), VectorField.steered(policy, level, v, s.coefficient())),
                    List.of("seed " + r.seed() + ": unsteered", "steered, c = " + Html.num(s.coefficient())), r.decisionSquare());
            fields.add(Map.of("seed", r.seed(), "png", Charts.dataUri(VectorFieldPlot.png(img))));
        }
        progress.update(k, k, "vector fields done");
        ctx.put("fields", fields);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (DecisionSquareResult r : rs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seed", r.seed());
            m.put("dim", r.mazeDim());
            m.put("cheese", r.cheese().toString());
            m.put("ds", r.decisionSquare().toString());
            m.put("cdir", r.cheeseDir().name());
            m.put("tdir", r.topRightDir().name());
            m.put("pc", Html.num(r.pCheese()));
            m.put("pcs", Html.num(r.pCheeseSteered()));
            m.put("pt", Html.num(r.pTopRight()));
            m.put("pts", Html.num(r.pTopRightSteered()));
            rows.add(m);
        }
        ctx.put("rows", rows);
        Path file = dir.resolve("index.html");
        Html.write(file, Html.render("maze.html", ctx));
        return file;
    }
}
