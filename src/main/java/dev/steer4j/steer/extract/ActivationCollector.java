package dev.steer4j.steer.extract;

import dev.steer4j.util.Text;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.Prompt;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every prompt of a dataset once, capturing the chosen site at all chosen layers in that one forward pass, and
 * reduces each prompt's rows to the read position.
 */
public final class ActivationCollector {
    private final Model model;
    private final ForwardPass forward;
    private final Tokenizer tokenizer;
    private final HookSite site;
    private final int[] layers;
    private final ReadPosition read;
    private final List<HookPoint> points = new ArrayList<>();

    public ActivationCollector(Model model, ForwardPass forward, HookSite site, int[] layers, ReadPosition read) {
        if (!site.perLayer) throw new IllegalArgumentException("site " + site.suffix + " has no layers; extract at a per-layer site (resid_pre, attn_out, resid_mid, mlp_out, resid_post)");
        this.model = model;
        this.forward = forward;
        this.tokenizer = model.tokenizer();
        this.site = site;
        this.layers = layers.clone();
        this.read = read;
        for (int l : layers) points.add(HookPoint.of(site, l).checkLayer(model.config().layers()));
    }

    /**
     * Collects samples.
     *
     * @param pad   pad the shorter prompt of each pair with the space token so the positions align (ActAdd; always on
     *              for {@link ReadPosition#DIFF})
     * @param pairs run the dataset as pairs (positive i with negative i); false runs the two lists independently
     */
    public Map<Integer, Samples> collect(ContrastiveDataset data, boolean pairs, boolean pad, ProgressListener progress) {
        boolean padded = pad || read == ReadPosition.DIFF;
        if (read == ReadPosition.ANSWER && !data.hasAnswers())
            throw new IllegalArgumentException("read position 'answer' needs prompts with a marked answer token (format caa); dataset "
                    + data.name() + " (format " + data.format() + ") has none; use --read last, mean or diff");
        Map<Integer, Samples> out = new LinkedHashMap<>();
        for (int l : layers) out.put(l, new Samples(l, new ArrayList<>(), new ArrayList<>(), pairs));
        int total = data.positives().size() + data.negatives().size();
        int done = 0;
        SequenceState seq = new SequenceState(model);
        if (pairs) {
            for (int i = 0; i < data.positives().size(); i++) {
                Prompt p = data.positives().get(i), n = data.negatives().get(i);
                int[] tp = tokenizer.encode(p.text()), tn = tokenizer.encode(n.text());
                int ap = answerIndex(p, tp), an = answerIndex(n, tn);
                if (padded) {
                    int len = Math.max(tp.length, tn.length);
                    tp = pad(tp, len);
                    tn = pad(tn, len);
                }
                ActivationCache cp = run(seq, tp);
                progress.progress(++done, total);
                ActivationCache cn = run(seq, tn);
                progress.progress(++done, total);
                for (int l : layers) {
                    HookPoint hp = HookPoint.of(site, l);
                    float[][] rp = cp.get(hp), rn = cn.get(hp);
                    Samples s = out.get(l);
                    if (read == ReadPosition.DIFF) {
                        int first = firstDifference(tp, tn);
                        for (int r = first; r < tp.length; r++) {
                            s.positives().add(rp[r]);
                            s.negatives().add(rn[r]);
                        }
                    } else {
                        s.positives().add(reduce(rp, ap));
                        s.negatives().add(reduce(rn, an));
                    }
                }
            }
        } else {
            if (read == ReadPosition.DIFF)
                throw new IllegalArgumentException("read position 'diff' compares the two prompts of each pair; it needs paired data");
            for (int side = 0; side < 2; side++) {
                List<Prompt> prompts = side == 0 ? data.positives() : data.negatives();
                for (Prompt p : prompts) {
                    int[] t = tokenizer.encode(p.text());
                    ActivationCache c = run(seq, t);
                    progress.progress(++done, total);
                    int a = answerIndex(p, t);
                    for (int l : layers) {
                        float[] row = reduce(c.get(HookPoint.of(site, l)), a);
                        Samples s = out.get(l);
                        (side == 0 ? s.positives() : s.negatives()).add(row);
                    }
                }
            }
        }
        for (Samples s : out.values())
            if (s.positives().isEmpty())
                throw new IllegalArgumentException("read position 'diff': the prompts of every pair are identical, so no row differs");
        return out;
    }

    private ActivationCache run(SequenceState seq, int[] tokens) {
        seq.reset();
        return ActivationCache.run(forward, seq, tokens, points, false);
    }

    /** Index of the answer token: the last token of the prompt's text up to the end of the answer. */
    private int answerIndex(Prompt p, int[] tokens) {
        if (read != ReadPosition.ANSWER) return -1;
        int[] prefix = tokenizer.encode(p.text().substring(0, p.answerEnd()));
        int idx = prefix.length - 1;
        if (idx < 0 || idx >= tokens.length || tokens[idx] != prefix[idx])
            throw new IllegalArgumentException("cannot locate the answer token of prompt \"" + abbreviate(p.text())
                    + "\": its tokens change when the text after the answer is added");
        return idx;
    }

    private float[] reduce(float[][] rows, int answer) {
        return switch (read) {
            case LAST -> rows[rows.length - 1];
            case ANSWER -> rows[answer];
            case MEAN -> {
                int from = rows.length > 1 && tokenizer.bos() >= 0 ? 1 : 0; // skip BOS: it is the same for every prompt
                float[] m = new float[rows[0].length];
                double[] acc = new double[m.length];
                for (int r = from; r < rows.length; r++) for (int i = 0; i < m.length; i++) acc[i] += rows[r][i];
                for (int i = 0; i < m.length; i++) m[i] = (float) (acc[i] / (rows.length - from));
                yield m;
            }
            case DIFF -> throw new IllegalStateException();
        };
    }

    /** The space token, as llama.cpp's cvector-generator pads: the last token of " " tokenised without BOS. */
    public int spaceToken() {
        int[] t = tokenizer.encode(" ", false, false);
        if (t.length == 0) throw new IllegalStateException("the tokenizer has no token for a space");
        return t[t.length - 1];
    }

    private int[] pad(int[] t, int len) {
        if (t.length == len) return t;
        int[] o = Arrays.copyOf(t, len);
        Arrays.fill(o, t.length, len, spaceToken());
        return o;
    }

    private static int firstDifference(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) if (a[i] != b[i]) return i;
        return n;
    }

    private static String abbreviate(String s) {
        return Text.abbreviate(s, 60);
    }
}
