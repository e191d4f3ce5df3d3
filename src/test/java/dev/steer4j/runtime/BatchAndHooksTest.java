package dev.steer4j.runtime;

import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** A batch is a list of sequences: batching must not change any sequence's numbers, and hooks stay per sequence. */
class BatchAndHooksTest {
    static Model model;
    static ForwardPass fp;
    static int vocab;

    @BeforeAll
    static void load() {
        model = Model.load(stories260K());
        fp = new ForwardPass(model);
        vocab = model.config().vocabSize();
    }

    @AfterAll
    static void close() { model.close(); }

    /** Adds 3.0 to dimension 0 of every resid_post row. */
    static void steer(SequenceState s) {
        for (int l = 1; l < model.config().layers(); l++) {
            s.hooks().add(HookPoint.residPost(l), a -> {
                for (int r = 0; r < a.rows(); r++) a.set(r, 0, a.get(r, 0) + 3f);
            });
        }
    }

    @Test
    void batchedDecodeEqualsSeparateRunsWithPerSequenceHooks() {
        int[] p1 = model.tokenizer().encode("Once upon a time");
        int[] p2 = model.tokenizer().encode("The cat sat on the mat and");
        // Separately.
        SequenceState a = new SequenceState(model), b = new SequenceState(model);
        steer(b);
        float[] la = fp.forward(a, p1, false).clone();
        float[] lb = fp.forward(b, p2, false).clone();
        // Together: prefill both in one batch, then three decode steps in one batch.
        SequenceState a2 = new SequenceState(model), b2 = new SequenceState(model);
        steer(b2);
        Workspace ws = new Workspace(model.config());
        Batch batch = new Batch();
        Batch.Entry ea = batch.add(a2, p1, false);
        Batch.Entry eb = batch.add(b2, p2, false);
        fp.forward(batch, ws);
        assertTrue(maxAbsDiff(slice(la), ws.logits(), ea.firstLogitRow() * vocab) < 1e-5);
        assertTrue(maxAbsDiff(slice(lb), ws.logits(), eb.firstLogitRow() * vocab) < 1e-5);
        for (int step = 0; step < 3; step++) {
            int ta = argmax(ws.logits(), ea.firstLogitRow() * vocab, vocab);
            int tb = argmax(ws.logits(), eb.firstLogitRow() * vocab, vocab);
            la = fp.forward(a, new int[]{ta}, false).clone();
            lb = fp.forward(b, new int[]{tb}, false).clone();
            batch.clear();
            ea = batch.add(a2, new int[]{ta}, false);
            eb = batch.add(b2, new int[]{tb}, false);
            fp.forward(batch, ws);
            assertTrue(maxAbsDiff(slice(la), ws.logits(), ea.firstLogitRow() * vocab) < 1e-5, "step " + step);
            assertTrue(maxAbsDiff(slice(lb), ws.logits(), eb.firstLogitRow() * vocab) < 1e-5, "step " + step);
        }
        // The steering of b must have changed b's logits and not a's.
        float[] unsteeredB = fp.forward(new SequenceState(model), p2, false);
        assertTrue(maxAbsDiff(slice(unsteeredB), fp.forward(bFresh(p2), p2, false), 0) > 0.1);
    }

    private SequenceState bFresh(int[] p2) {
        SequenceState s = new SequenceState(model);
        steer(s);
        return s;
    }

    private static float[] slice(float[] logits) {
        return java.util.Arrays.copyOf(logits, vocab);
    }

    @Test
    void hooksSeeAbsolutePositionsInPrefillAndDecodeAndEverySiteRuns() {
        SequenceState s = new SequenceState(model);
        List<String> seen = new ArrayList<>();
        for (HookSite site : HookSite.values()) {
            HookPoint p = HookPoint.of(site, site.perLayer ? 2 : -1);
            s.hooks().add(p, a -> seen.add(a.point().name() + "@" + a.position(0) + "x" + a.rows()));
        }
        int[] prompt = model.tokenizer().encode("Once upon a time");
        fp.forward(s, prompt, false);
        fp.forward(s, new int[]{400}, false);
        List<String> want = new ArrayList<>();
        for (String at : List.of("@0x5", "@5x1"))
            for (String n : List.of("hook_embed", "blocks.2.hook_resid_pre", "blocks.2.attn.hook_q", "blocks.2.attn.hook_k",
                    "blocks.2.attn.hook_v", "blocks.2.attn.hook_pattern", "blocks.2.attn.hook_z", "blocks.2.hook_attn_out",
                    "blocks.2.hook_resid_mid", "blocks.2.mlp.hook_post", "blocks.2.hook_mlp_out", "blocks.2.hook_resid_post",
                    "ln_final.hook_normalized"))
                want.add(n + at);
        assertEquals(want, seen);
    }

    @Test
    void removingAHookRestoresTheUnhookedResult() {
        int[] prompt = model.tokenizer().encode("Once upon a time");
        float[] plain = fp.forward(new SequenceState(model), prompt, false).clone();
        SequenceState s = new SequenceState(model);
        var reg = s.hooks().add(HookPoint.residPost(3), a -> a.set(0, 1, 100f));
        float[] hooked = fp.forward(s, prompt, false).clone();
        assertTrue(maxAbsDiff(slice(plain), hooked, 0) > 0.01);
        reg.close();
        assertTrue(s.hooks().isEmpty());
        s.reset();
        assertEquals(0, maxAbsDiff(slice(plain), fp.forward(s, prompt, false), 0));
    }

    @Test
    void contextOverflowIsAClearError() {
        SequenceState s = new SequenceState(model, 8);
        ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> fp.forward(s, new int[10], false));
        assertEquals("context length exceeded: 0 tokens in the cache + 10 new > limit 8", e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> fp.forward(new SequenceState(model), new int[]{1, 999}, false));
        assertEquals("token id 999 is outside the vocabulary (0-511)", bad.getMessage());
    }
}
