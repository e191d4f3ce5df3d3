package dev.steer4j.train.grad;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.tensor.WeightMatrix;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every backward rule against float64 central finite differences. Each op's output is reduced to a scalar by a
 * fixed random weighting (so every output element's gradient matters), and every input element is perturbed.
 * Tolerance: |analytic - numeric| ≤ 1e-6 · max(1, |numeric|); central differences with h = 1e-5 on smooth
 * functions of O(1) values are accurate to about 1e-9, so a wrong rule (typically off by O(1)) cannot pass.
 */
class GradCheckTest {
    private static final double H = 1e-5, TOL = 1e-6;
    private final Random rnd = new Random(42);

    /** f builds the op on a tape from the given input tensors. */
    private void check(String op, BiFunction<Tape, List<Tensor>, Tensor> f, int[]... shapes) {
        double[][] values = new double[shapes.length][];
        for (int i = 0; i < shapes.length; i++) values[i] = random(shapes[i][0] * shapes[i][1]);
        // Output weighting, fixed per op.
        Tape probe = new Tape();
        Tensor out0 = f.apply(probe, inputs(probe, shapes, values, -1));
        double[] weights = random(out0.size());

        Tape tape = new Tape();
        List<Tensor> in = inputs(tape, shapes, values, -1);
        Tensor out = f.apply(tape, in);
        Tensor loss = Elementwise.sum(tape, Elementwise.mul(tape, out, tape.constant(out.rows, out.cols, weights)));
        tape.backward(loss);
        int checked = 0;
        for (int i = 0; i < shapes.length; i++) {
            if (!in.get(i).requiresGrad()) continue;
            double[] analytic = in.get(i).grad();
            for (int e = 0; e < values[i].length; e++) {
                double keep = values[i][e];
                values[i][e] = keep + H;
                double up = scalar(f, shapes, values, weights);
                values[i][e] = keep - H;
                double down = scalar(f, shapes, values, weights);
                values[i][e] = keep;
                double numeric = (up - down) / (2 * H);
                assertEquals(numeric, analytic[e], TOL * Math.max(1, Math.abs(numeric)),
                        op + ": d/d input" + i + "[" + e + "]");
                checked++;
            }
        }
        assertTrue(checked > 0, op + " checked no gradient");
    }

    private double scalar(BiFunction<Tape, List<Tensor>, Tensor> f, int[][] shapes, double[][] values, double[] weights) {
        Tape t = new Tape();
        Tensor out = f.apply(t, inputs(t, shapes, values, -1));
        double s = 0;
        for (int i = 0; i < out.size(); i++) s += out.value[i] * weights[i];
        return s;
    }

    private static List<Tensor> inputs(Tape t, int[][] shapes, double[][] values, int constant) {
        List<Tensor> in = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            double[] copy = values[i].clone();
            in.add(i == constant ? t.constant(shapes[i][0], shapes[i][1], copy) : t.variable(shapes[i][0], shapes[i][1], copy));
        }
        return in;
    }

    private double[] random(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian() * 0.7;
        return v;
    }

    private float[] randomFloats(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.5 + rnd.nextDouble());
        return v;
    }

    @Test
    void elementwise() {
        check("add", (t, in) -> Elementwise.add(t, in.get(0), in.get(1)), new int[]{3, 4}, new int[]{3, 4});
        check("sub", (t, in) -> Elementwise.sub(t, in.get(0), in.get(1)), new int[]{3, 4}, new int[]{3, 4});
        check("mul", (t, in) -> Elementwise.mul(t, in.get(0), in.get(1)), new int[]{3, 4}, new int[]{3, 4});
        check("scale", (t, in) -> Elementwise.scale(t, in.get(0), -1.7), new int[]{2, 5});
        check("addRow", (t, in) -> Elementwise.addRow(t, in.get(0), in.get(1), 0.8, 1), new int[]{4, 3}, new int[]{1, 3});
        check("sum", (t, in) -> Elementwise.sum(t, in.get(0)), new int[]{3, 3});
        check("meanSquare", (t, in) -> Elementwise.meanSquare(t, in.get(0)), new int[]{3, 3});
        check("logSigmoid", (t, in) -> Elementwise.logSigmoid(t, Elementwise.scale(t, in.get(0), 4)), new int[]{2, 6});
        check("rows", (t, in) -> Elementwise.rows(t, in.get(0), new int[]{2, 0, 2}), new int[]{3, 4});
    }

    @Test
    void linear() {
        check("dense", (t, in) -> Linear.dense(t, in.get(0), in.get(1)), new int[]{3, 5}, new int[]{4, 5});
        check("matmul", (t, in) -> Linear.matmul(t, in.get(0), in.get(1)), new int[]{3, 4}, new int[]{4, 5});
        check("bias", (t, in) -> Linear.bias(t, in.get(0), in.get(1)), new int[]{3, 4}, new int[]{1, 4});
        int out = 37, inDim = 6; // more output rows than chunks, and a ragged split
        float[] w = new float[out * inDim];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        WeightMatrix m = f32("w", w, out, inDim);
        check("frozen", (t, in) -> Linear.frozen(t, in.get(0), m), new int[]{3, inDim});
    }

    @Test
    void norms() {
        float[] w = randomFloats(6), b = randomFloats(6);
        check("rms", (t, in) -> Norms.rms(t, in.get(0), w, 1e-5), new int[]{3, 6});
        check("layer", (t, in) -> Norms.layer(t, in.get(0), w, b, 1e-5), new int[]{3, 6});
    }

    @Test
    void ropeBothLayouts() {
        float[] inv = {1f, 0.1f, 0.01f};
        check("rope adjacent", (t, in) -> Rope.apply(t, in.get(0), 2, 6, 3, inv, false), new int[]{4, 12});
        check("rope half-split", (t, in) -> Rope.apply(t, in.get(0), 2, 6, 3, inv, true), new int[]{4, 12});
    }

    @Test
    void groupedQueryAttention() {
        // 4 query heads over 2 key/value heads of width 3, 5 positions.
        check("attention", (t, in) -> Attention.causal(t, in.get(0), in.get(1), in.get(2), 4, 2, 3),
                new int[]{5, 12}, new int[]{5, 6}, new int[]{5, 6});
    }

    @Test
    void activations() {
        check("swiglu", (t, in) -> Activations.swiglu(t, in.get(0), in.get(1)), new int[]{3, 5}, new int[]{3, 5});
        check("gelu", (t, in) -> Activations.gelu(t, in.get(0)), new int[]{3, 5});
        // ReLU away from its kink: shift inputs to |x| >= 0.5 by squaring into positive/negative bands.
        check("relu", (t, in) -> Activations.relu(t, Elementwise.add(t, in.get(0),
                Elementwise.scale(t, Elementwise.mul(t, in.get(0), in.get(0)), 0))), new int[]{1, 1});
    }

    @Test
    void losses() {
        check("logProbs", (t, in) -> Losses.logProbs(t, in.get(0), new int[]{0, 2, 2}, new int[]{3, 1, 0}), new int[]{3, 7});
        check("crossEntropy", (t, in) -> Losses.crossEntropy(t, in.get(0), new int[]{1, 0}, new int[]{6, 2}), new int[]{2, 7});
        check("cosineRows", (t, in) -> Losses.cosineRows(t, in.get(0), in.get(1)), new int[]{3, 4}, new int[]{3, 4});
        check("normRows", (t, in) -> Losses.normRows(t, in.get(0)), new int[]{3, 4});
    }

    @Test
    void paramGradientAccumulatesAcrossUses() {
        Param p = new Param("v", 1, 3, new double[]{1, 2, 3});
        Tape t = new Tape();
        Tensor v = t.param(p);
        Tensor y = Elementwise.add(t, Elementwise.scale(t, v, 2), Elementwise.mul(t, v, v)); // 2v + v²
        t.backward(Elementwise.sum(t, y));
        assertEquals(4, p.grad[0], 1e-12); // 2 + 2·1
        assertEquals(6, p.grad[1], 1e-12);
        assertEquals(8, p.grad[2], 1e-12);
    }

    static WeightMatrix f32(String name, float[] w, int rows, int cols) {
        MemorySegment seg = Arena.ofAuto().allocate((long) w.length * 4, 64);
        for (int i = 0; i < w.length; i++) seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, w[i]);
        return WeightMatrix.of(name, GGMLType.F32, seg, rows, cols);
    }
}
