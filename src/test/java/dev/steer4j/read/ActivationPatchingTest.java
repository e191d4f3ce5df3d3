package dev.steer4j.read;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class ActivationPatchingTest {
    static Model model;
    static ForwardPass fp;
    static int[] clean, corrupted;
    static final int HAPPY = 393, SA = 296; // '▁happy' and '▁sa' (the first token of " sad")

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.stories260K());
        fp = new ForwardPass(model);
        clean = model.tokenizer().encode("It was a fun day. Lily was very");
        corrupted = model.tokenizer().encode("It was a sad day. Lily was very");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void promptsDifferOnlyInTheEmotionWord() {
        assertEquals(clean.length, corrupted.length);
        assertEquals("▁happy", model.tokenizer().piece(HAPPY));
        assertEquals("▁sa", model.tokenizer().piece(SA));
        int differing = 0;
        for (int i = 0; i < clean.length; i++) if (clean[i] != corrupted[i]) differing++;
        assertEquals(2, differing, "'fun' and 'sad' are two tokens each");
    }

    @Test
    void patchingResidPreOfBlockZeroEverywhereRestoresTheCleanLogitsExactly() {
        HookPoint p = HookPoint.parse("blocks.0.hook_resid_pre");
        ActivationCache cleanRun = ActivationCache.run(fp, new dev.steer4j.runtime.SequenceState(model), clean, List.of(p), true);
        int[] all = IntStream.range(0, clean.length).toArray();
        float[] patched = ActivationPatching.runPatched(fp, corrupted, cleanRun, Map.of(p, all));
        // Every later computation then sees exactly the clean inputs: the logits are bit-for-bit the clean ones.
        assertArrayEquals(cleanRun.logits(), patched);
    }

    @Test
    void patchingNothingLeavesTheCorruptedLogits() {
        HookPoint p = HookPoint.parse("blocks.0.hook_resid_pre");
        ActivationCache cleanRun = ActivationCache.run(fp, clean, List.of(p));
        ActivationCache corruptedRun = ActivationCache.run(fp, new dev.steer4j.runtime.SequenceState(model), corrupted, List.of(), true);
        assertArrayEquals(corruptedRun.logits(), ActivationPatching.runPatched(fp, corrupted, cleanRun, Map.of()));
        assertArrayEquals(corruptedRun.logits(), ActivationPatching.runPatched(fp, corrupted, cleanRun, Map.of(p, new int[0])));
        assertFalse(Arrays.equals(corruptedRun.logits(), cleanRun.logits()));
    }

    @Test
    void scanAgreesWithSinglePatchedRunsAndLocatesTheInformation() {
        List<HookPoint> points = new ArrayList<>();
        for (int l = 0; l < 5; l++) points.add(HookPoint.of(HookSite.RESID_PRE, l));
        ActivationPatching.Result r = ActivationPatching.scan(fp, clean, corrupted, points, HAPPY, SA, Progress.NONE);
        int vocab = model.config().vocabSize();
        float[] cl = ActivationCache.run(fp, clean, List.of()).logits();
        assertEquals(cl[HAPPY] - cl[SA], r.cleanDiff(), 0);
        assertTrue(r.cleanDiff() > r.corruptedDiff() + 0.3, "the clean prompt favours ' happy' more: " + r.cleanDiff() + " vs " + r.corruptedDiff());

        ActivationCache cleanCache = ActivationCache.run(fp, clean, points);
        int n = clean.length;
        for (int i = 0; i < points.size(); i++) {
            for (int p = 0; p < n; p++) {
                float[] logits = ActivationPatching.runPatched(fp, corrupted, cleanCache, Map.of(points.get(i), new int[]{p}));
                double expected = logits[(n - 1) * vocab + HAPPY] - logits[(n - 1) * vocab + SA];
                // The scan reuses the unpatched prefix from the KV cache instead of rerunning it; each row's arithmetic
                // is the same, so it agrees with a full patched run to float rounding.
                assertEquals(expected, r.patched()[i][p], 1e-5, points.get(i) + " @ " + p);
            }
        }
        // positions where the prompts agree and that come before the change cannot matter
        for (int i = 0; i < points.size(); i++) for (int p = 0; p < 5; p++) assertEquals(0, r.normalized(i, p), 1e-6);
        // at block 0, patching both differing positions at once is the clean run
        float[] both = ActivationPatching.runPatched(fp, corrupted, cleanCache, Map.of(points.getFirst(), new int[]{5, 6}));
        assertArrayEquals(Arrays.copyOfRange(ActivationCache.run(fp, new dev.steer4j.runtime.SequenceState(model), clean, List.of(), true).logits(), 0, n * vocab), both);
        // by the last block, the information has moved to the last position
        int last = n - 1;
        assertTrue(r.normalized(4, last) > 0.5, "layer 4 at the last position restores " + r.normalized(4, last));
    }

    @Test
    void unequalLengthsAreRefusedWithBothTokenLists() {
        int[] longer = model.tokenizer().encode("It was a happy day. Lily was very");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ActivationPatching.scan(fp, longer, corrupted, List.of(HookPoint.residPre(0)), HAPPY, SA, Progress.NONE));
        assertEquals("the clean prompt has " + longer.length + " tokens but the corrupted prompt has " + corrupted.length
                + "; activation patching needs prompts of equal token length (tokens: clean " + Arrays.toString(longer) + ", corrupted " + Arrays.toString(corrupted) + ")", e.getMessage());
    }
}
