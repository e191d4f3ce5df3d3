package dev.steer4j.cnn;

import dev.steer4j.format.pytorch.FloatTensor;
import dev.steer4j.format.pytorch.TorchCheckpoint;
import dev.steer4j.format.pytorch.TorchZipWriter;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CNN runtime on random weights, against a plain double-precision forward written independently here. */
class ImpalaCnnTest {
    private static final int[] CH = {4, 6, 5};
    private static final int SIZE = 16, HIDDEN = 7, ACTIONS = 5;

    private static float[] rnd(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }

    private static void put(Map<String, FloatTensor> sd, String k, float[] d, int... shape) {
        sd.put(k, new FloatTensor(k, shape, d));
    }

    static Map<String, FloatTensor> randomStateDict(long seed) {
        Random r = new Random(seed);
        Map<String, FloatTensor> sd = new LinkedHashMap<>();
        int c = 3;
        for (int b = 1; b <= 3; b++) {
            int o = CH[b - 1];
            String p = "embedder.block" + b;
            put(sd, p + ".conv.weight", rnd(r, o * c * 9, 0.3), o, c, 3, 3);
            put(sd, p + ".conv.bias", rnd(r, o, 0.1), o);
            for (int res = 1; res <= 2; res++)
                for (int k = 1; k <= 2; k++) {
                    put(sd, p + ".res" + res + ".conv" + k + ".weight", rnd(r, o * o * 9, 0.2), o, o, 3, 3);
                    put(sd, p + ".res" + res + ".conv" + k + ".bias", rnd(r, o, 0.1), o);
                }
            c = o;
        }
        int flat = c * 2 * 2;
        put(sd, "embedder.fc.weight", rnd(r, HIDDEN * flat, 0.3), HIDDEN, flat);
        put(sd, "embedder.fc.bias", rnd(r, HIDDEN, 0.1), HIDDEN);
        put(sd, "fc_policy.weight", rnd(r, ACTIONS * HIDDEN, 0.5), ACTIONS, HIDDEN);
        put(sd, "fc_policy.bias", rnd(r, ACTIONS, 0.1), ACTIONS);
        put(sd, "fc_value.weight", rnd(r, HIDDEN, 0.5), 1, HIDDEN);
        put(sd, "fc_value.bias", rnd(r, 1, 0.1), 1);
        return sd;
    }

    // ---- independent double-precision reference ----
    private static double[] conv(double[] x, int c, int h, int w, FloatTensor wt, FloatTensor b) {
        int o = wt.shape()[0];
        double[] y = new double[o * h * w];
        for (int oc = 0; oc < o; oc++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    double s = b.data()[oc];
                    for (int ic = 0; ic < c; ic++)
                        for (int di = -1; di <= 1; di++)
                            for (int dj = -1; dj <= 1; dj++) {
                                int ii = i + di, jj = j + dj;
                                if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
                                s += wt.data()[((oc * c + ic) * 3 + di + 1) * 3 + dj + 1] * x[(ic * h + ii) * w + jj];
                            }
                    y[(oc * h + i) * w + j] = s;
                }
        return y;
    }

    private static double[] relu(double[] x) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]);
        return y;
    }

    private static double[] referenceLogits(Map<String, FloatTensor> sd, float[] obs, double[] add, String addAt) {
        double[] x = new double[obs.length];
        for (int i = 0; i < x.length; i++) x[i] = obs[i];
        int c = 3, h = SIZE;
        for (int b = 1; b <= 3; b++) {
            String p = "embedder.block" + b;
            x = conv(x, c, h, h, sd.get(p + ".conv.weight"), sd.get(p + ".conv.bias"));
            c = CH[b - 1];
            int oh = (h + 1) / 2;
            double[] pool = new double[c * oh * oh];
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < oh; j++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int ii = 2 * i - 1; ii <= 2 * i + 1; ii++)
                            for (int jj = 2 * j - 1; jj <= 2 * j + 1; jj++)
                                if (ii >= 0 && jj >= 0 && ii < h && jj < h) m = Math.max(m, x[(ch * h + ii) * h + jj]);
                        pool[(ch * oh + i) * oh + j] = m;
                    }
            x = pool;
            h = oh;
            for (int res = 1; res <= 2; res++) {
                String q = p + ".res" + res;
                double[] t = conv(relu(x), c, h, h, sd.get(q + ".conv1.weight"), sd.get(q + ".conv1.bias"));
                t = conv(relu(t), c, h, h, sd.get(q + ".conv2.weight"), sd.get(q + ".conv2.bias"));
                for (int i = 0; i < t.length; i++) t[i] += x[i];
                x = t;
                if ((q + ".hook_resadd_out").equals(addAt)) for (int i = 0; i < x.length; i++) x[i] += add[i];
            }
        }
        x = relu(x);
        double[] f = new double[HIDDEN];
        for (int o = 0; o < HIDDEN; o++) {
            double s = sd.get("embedder.fc.bias").data()[o];
            for (int i = 0; i < x.length; i++) s += sd.get("embedder.fc.weight").data()[o * x.length + i] * x[i];
            f[o] = Math.max(0, s);
        }
        double[] l = new double[ACTIONS];
        for (int o = 0; o < ACTIONS; o++) {
            double s = sd.get("fc_policy.bias").data()[o];
            for (int i = 0; i < HIDDEN; i++) s += sd.get("fc_policy.weight").data()[o * HIDDEN + i] * f[i];
            l[o] = s;
        }
        return l;
    }

    private static double maxDiff(float[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void forwardMatchesAnIndependentReferenceAfterACheckpointRoundTrip(@TempDir Path dir) throws Exception {
        Map<String, FloatTensor> sd = randomStateDict(7);
        Path f = dir.resolve("impala.pth");
        TorchZipWriter.write(f, sd);
        ImpalaCnn net = ImpalaCnn.fromStateDict(TorchCheckpoint.readStateDict(f), SIZE, SIZE);
        assertEquals(3, net.blocks());
        assertEquals(ACTIONS, net.actions());
        float[] obs = rnd(new Random(1), 3 * SIZE * SIZE, 1);
        double d = maxDiff(net.forward(obs).logits(), referenceLogits(sd, obs, null, null));
        assertTrue(d < 1e-4, "max logit difference " + d);
    }

    @Test
    void safetensorsInputGivesTheSameNetwork(@TempDir Path dir) throws Exception {
        Map<String, FloatTensor> sd = randomStateDict(9);
        var w = new dev.steer4j.format.safetensors.SafetensorsWriter();
        for (FloatTensor t : sd.values()) {
            long[] shape = java.util.Arrays.stream(t.shape()).asLongStream().toArray();
            w.addF32(t.name(), shape, t::data);
        }
        Path st = dir.resolve("impala.safetensors"), pth = dir.resolve("impala.pth");
        w.write(st);
        TorchZipWriter.write(pth, sd);
        float[] obs = rnd(new Random(4), 3 * SIZE * SIZE, 1);
        float[] a = ImpalaCnn.fromStateDict(CnnCheckpoint.readStateDict(st), SIZE, SIZE).forward(obs).logits();
        float[] b = ImpalaCnn.fromStateDict(CnnCheckpoint.readStateDict(pth), SIZE, SIZE).forward(obs).logits();
        double[] bd = new double[b.length];
        for (int i = 0; i < b.length; i++) bd[i] = b[i];
        assertTrue(maxDiff(a, bd) < 1e-5, "safetensors and .pth networks differ");
        assertTrue(maxDiff(a, referenceLogits(sd, obs, null, null)) < 1e-4);
    }

    @Test
    void steeringAddsTheFullTensorAtTheSiteAndTheReferenceAgrees() {
        Map<String, FloatTensor> sd = randomStateDict(11);
        ImpalaCnn net = ImpalaCnn.fromStateDict(sd, SIZE, SIZE);
        CnnHookPoint site = net.hookPoint("embedder.block2.res1");
        assertEquals("embedder.block2.res1.hook_resadd_out", site.name());
        assertEquals("[6, 4, 4]", site.shapeString());
        float[] obs = rnd(new Random(2), 3 * SIZE * SIZE, 1);
        float[] dir = rnd(new Random(3), site.size(), 1);
        double[] add = new double[dir.length];
        for (int i = 0; i < dir.length; i++) add[i] = -1.5 * dir[i];
        CnnHooks hooks = net.newHooks();
        float[] plain = net.forward(obs, hooks).logits();
        try (var s = CnnSteering.add(hooks, SteeringVector.single(site.index(), dir, VectorMetadata.unknown()), -1.5)) {
            float[] steered = net.forward(obs, hooks).logits();
            double d = maxDiff(steered, referenceLogits(sd, obs, add, site.name()));
            assertTrue(d < 1e-4, "steered logits differ by " + d);
            assertTrue(maxDiff(plain, referenceLogits(sd, obs, add, site.name())) > 1e-2, "steering had no effect");
        }
        assertTrue(hooks.isEmpty());
    }

    @Test
    void hookPointsAreNamedByModulePathAndBadNamesAreExplained() {
        ImpalaCnn net = ImpalaCnn.fromStateDict(randomStateDict(5), SIZE, SIZE);
        assertEquals("embedder.block1.hook_conv_out", net.hookPoints().getFirst().name());
        assertEquals("[4, 16, 16]", net.hookPoint("embedder.block1.hook_conv_out").shapeString());
        assertEquals("[4, 8, 8]", net.hookPoint("embedder.block1.hook_maxpool_out").shapeString());
        assertEquals("[20]", net.hookPoint("embedder.hook_flatten_out").shapeString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.hookPoint("blocks.2.hook_resid_post"));
        assertTrue(e.getMessage().startsWith("unknown CNN hook point 'blocks.2.hook_resid_post' (valid: embedder.block1.hook_conv_out, "), e.getMessage());
        var wrong = SteeringVector.single(net.hookPoint("embedder.block2.res1").index(), new float[3], VectorMetadata.unknown());
        e = assertThrows(IllegalArgumentException.class, () -> CnnSteering.add(net.newHooks(), wrong, 1));
        assertEquals("vector for embedder.block2.res1.hook_resadd_out has 3 values but the point holds 96 [6, 4, 4]", e.getMessage());
    }

    @Test
    void badStateDictsNameTheKeyAndShape() {
        Map<String, FloatTensor> sd = new LinkedHashMap<>(randomStateDict(5));
        sd.remove("embedder.block2.res1.conv2.bias");
        var e = assertThrows(IllegalArgumentException.class, () -> ImpalaCnn.fromStateDict(sd, SIZE, SIZE));
        assertEquals("state dict has no 'embedder.block2.res1.conv2.bias'", e.getMessage());
        Map<String, FloatTensor> sd2 = new LinkedHashMap<>(randomStateDict(5));
        sd2.put("embedder.fc.weight", new FloatTensor("embedder.fc.weight", new int[]{HIDDEN, 21}, new float[HIDDEN * 21]));
        e = assertThrows(IllegalArgumentException.class, () -> ImpalaCnn.fromStateDict(sd2, SIZE, SIZE));
        assertEquals("'embedder.fc.weight' has shape [7, 21], expected (out, 20)", e.getMessage());
    }
}
