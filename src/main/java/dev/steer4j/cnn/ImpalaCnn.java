package dev.steer4j.cnn;

import dev.steer4j.format.pytorch.FloatTensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The IMPALA CNN actor-critic of procgen agents (train-procgen-pytorch / procgen-tools key names), float32:
 * <pre>
 * embedder.blockB (B = 1..n): conv3x3 → maxpool(3, 2, 1) → res1 → res2
 * relu → flatten → embedder.fc → relu → fc_policy (logits), fc_value (value)
 * </pre>
 * The input is one observation, (3, H, W) RGB in [0, 1], CHW. Hook points, in forward order, for each block B and
 * residual block R: {@code embedder.blockB.hook_conv_out}, {@code embedder.blockB.hook_maxpool_out},
 * {@code embedder.blockB.resR.hook_conv1_out}, {@code embedder.blockB.resR.hook_conv2_out},
 * {@code embedder.blockB.resR.hook_resadd_out} (the residual stream after the add); then
 * {@code embedder.hook_flatten_out} (after the final relu), {@code embedder.hook_fc_out} (after its relu),
 * {@code hook_logits} and {@code hook_value}.
 */
public final class ImpalaCnn {
    private record Block(Conv3x3 conv, int convHook, int poolHook, ResidualBlock res1, ResidualBlock res2) {}

    private final int inChannels, height, width;
    private final List<Block> blocks;
    private final Linear fc, policy, value;
    private final List<CnnHookPoint> points;
    private final Map<String, CnnHookPoint> byName;
    private final int flattenHook, fcHook, logitsHook, valueHook;

    private ImpalaCnn(int inChannels, int height, int width, List<Block> blocks, Linear fc, Linear policy, Linear value,
                      List<CnnHookPoint> points) {
        this.inChannels = inChannels;
        this.height = height;
        this.width = width;
        this.blocks = blocks;
        this.fc = fc;
        this.policy = policy;
        this.value = value;
        this.points = List.copyOf(points);
        Map<String, CnnHookPoint> m = new LinkedHashMap<>();
        for (CnnHookPoint p : points) m.put(p.name(), p);
        this.byName = Collections.unmodifiableMap(m);
        int n = points.size();
        this.flattenHook = n - 4;
        this.fcHook = n - 3;
        this.logitsHook = n - 2;
        this.valueHook = n - 1;
    }

    /**
     * Builds the network from a state dict. The number of blocks and the channels come from the weights; the input is
     * (3, height, width). Missing keys and wrong shapes fail with the key, the expected and the actual shape.
     */
    public static ImpalaCnn fromStateDict(Map<String, FloatTensor> sd, int height, int width) {
        List<Block> blocks = new ArrayList<>();
        List<CnnHookPoint> points = new ArrayList<>();
        int c = 3, h = height, w = width;
        for (int b = 1; sd.containsKey("embedder.block" + b + ".conv.weight"); b++) {
            String p = "embedder.block" + b;
            FloatTensor cw = sd.get(p + ".conv.weight");
            if (cw.shape().length != 4 || cw.shape()[1] != c || cw.shape()[2] != 3 || cw.shape()[3] != 3)
                throw new IllegalArgumentException(p + ".conv.weight has shape " + cw.shapeString() + ", expected (out, " + c + ", 3, 3)");
            int out = cw.shape()[0];
            Conv3x3 conv = conv(sd, p + ".conv", c, out);
            points.add(new CnnHookPoint(p + ".hook_conv_out", points.size(), new int[]{out, h, w}));
            h = MaxPool.outSize(h);
            w = MaxPool.outSize(w);
            points.add(new CnnHookPoint(p + ".hook_maxpool_out", points.size(), new int[]{out, h, w}));
            ResidualBlock[] res = new ResidualBlock[2];
            for (int r = 1; r <= 2; r++) {
                String q = p + ".res" + r;
                Conv3x3 c1 = conv(sd, q + ".conv1", out, out), c2 = conv(sd, q + ".conv2", out, out);
                int i1 = points.size();
                points.add(new CnnHookPoint(q + ".hook_conv1_out", i1, new int[]{out, h, w}));
                points.add(new CnnHookPoint(q + ".hook_conv2_out", i1 + 1, new int[]{out, h, w}));
                points.add(new CnnHookPoint(q + ".hook_resadd_out", i1 + 2, new int[]{out, h, w}));
                res[r - 1] = new ResidualBlock(c1, c2, i1, i1 + 1, i1 + 2);
            }
            blocks.add(new Block(conv, points.size() - 8, points.size() - 7, res[0], res[1]));
            c = out;
        }
        if (blocks.isEmpty()) throw new IllegalArgumentException("not an IMPALA CNN state dict: no embedder.block1.conv.weight (keys: " + preview(sd) + ")");
        int flat = c * h * w;
        Linear fc = linear(sd, "embedder.fc", flat, -1);
        Linear policy = linear(sd, "fc_policy", fc.outFeatures(), -1);
        Linear value = linear(sd, "fc_value", fc.outFeatures(), 1);
        points.add(new CnnHookPoint("embedder.hook_flatten_out", points.size(), new int[]{flat}));
        points.add(new CnnHookPoint("embedder.hook_fc_out", points.size(), new int[]{fc.outFeatures()}));
        points.add(new CnnHookPoint("hook_logits", points.size(), new int[]{policy.outFeatures()}));
        points.add(new CnnHookPoint("hook_value", points.size(), new int[]{1}));
        return new ImpalaCnn(3, height, width, List.copyOf(blocks), fc, policy, value, points);
    }

    private static String preview(Map<String, FloatTensor> sd) {
        List<String> k = new ArrayList<>(sd.keySet());
        return k.size() <= 6 ? k.toString() : k.subList(0, 6) + " and " + (k.size() - 6) + " more";
    }

    private static FloatTensor tensor(Map<String, FloatTensor> sd, String key, int... shape) {
        FloatTensor t = sd.get(key);
        if (t == null) throw new IllegalArgumentException("state dict has no '" + key + "'");
        if (!t.hasShape(shape)) throw new IllegalArgumentException("'" + key + "' has shape " + t.shapeString() + ", expected " + java.util.Arrays.toString(shape));
        return t;
    }

    private static Conv3x3 conv(Map<String, FloatTensor> sd, String p, int in, int out) {
        return new Conv3x3(in, out, tensor(sd, p + ".weight", out, in, 3, 3).data(), tensor(sd, p + ".bias", out).data());
    }

    private static Linear linear(Map<String, FloatTensor> sd, String p, int in, int out) {
        FloatTensor wt = sd.get(p + ".weight");
        if (wt == null) throw new IllegalArgumentException("state dict has no '" + p + ".weight'");
        if (wt.shape().length != 2 || wt.shape()[1] != in || (out > 0 && wt.shape()[0] != out))
            throw new IllegalArgumentException("'" + p + ".weight' has shape " + wt.shapeString() + ", expected (" + (out > 0 ? out : "out") + ", " + in + ")");
        int o = wt.shape()[0];
        return new Linear(in, o, wt.data(), tensor(sd, p + ".bias", o).data());
    }

    public int inputChannels() { return inChannels; }
    public int inputHeight() { return height; }
    public int inputWidth() { return width; }
    public int actions() { return policy.outFeatures(); }
    public int blocks() { return blocks.size(); }

    /** The hook points in forward order. */
    public List<CnnHookPoint> hookPoints() { return points; }

    /**
     * A hook point by name. {@code embedder.block2.res1} (a residual module's path, procgen-tools' site name) means
     * its {@code hook_resadd_out}. The error lists the valid names.
     */
    public CnnHookPoint hookPoint(String name) {
        String n = name.trim();
        CnnHookPoint p = byName.get(n);
        if (p == null && n.matches("embedder\\.block\\d+\\.res\\d+")) p = byName.get(n + ".hook_resadd_out");
        if (p == null) throw new IllegalArgumentException("unknown CNN hook point '" + name + "' (valid: " + String.join(", ", byName.keySet()) + ")");
        return p;
    }

    /** A hook point by its index in {@link #hookPoints()}. */
    public CnnHookPoint hookPoint(int index) {
        if (index < 0 || index >= points.size()) throw new IllegalArgumentException("hook point index " + index + " is out of range 0-" + (points.size() - 1));
        return points.get(index);
    }

    /** An empty hook registry for this network. */
    public CnnHooks newHooks() { return new CnnHooks(this); }

    /** One forward pass without hooks. */
    public PolicyOutput forward(float[] obs) { return forward(obs, null); }

    /** One forward pass; {@code hooks} (from {@link #newHooks()}, or null) run at their points. */
    public PolicyOutput forward(float[] obs, CnnHooks hooks) {
        if (obs.length != inChannels * height * width)
            throw new IllegalArgumentException("observation needs " + inChannels + "x" + height + "x" + width + " = " + inChannels * height * width + " values, got " + obs.length);
        if (hooks != null && hooks.network() != this) throw new IllegalArgumentException("the hooks belong to another network");
        if (hooks != null && hooks.isEmpty()) hooks = null;
        float[] x = obs;
        int h = height, w = width, c = inChannels;
        for (Block b : blocks) {
            x = b.conv.forward(x, h, w);
            c = b.conv.outChannels();
            if (hooks != null) hooks.run(b.convHook, x);
            x = MaxPool.forward(x, c, h, w);
            h = MaxPool.outSize(h);
            w = MaxPool.outSize(w);
            if (hooks != null) hooks.run(b.poolHook, x);
            x = b.res1.forward(x, h, w, hooks);
            x = b.res2.forward(x, h, w, hooks);
        }
        x = CnnKernels.reluCopy(x);
        if (hooks != null) hooks.run(flattenHook, x);
        float[] f = fc.forward(x);
        CnnKernels.relu(f);
        if (hooks != null) hooks.run(fcHook, f);
        float[] logits = policy.forward(f);
        if (hooks != null) hooks.run(logitsHook, logits);
        float[] v = value.forward(f);
        if (hooks != null) hooks.run(valueHook, v);
        return new PolicyOutput(logits, v[0]);
    }
}
