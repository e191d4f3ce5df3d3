package dev.steer4j.eval;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.testutil.Fixtures;
import dev.steer4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The A/B metric on a hand-built three-item dataset, checked against probabilities computed here from raw logits. */
class AbEvalTest {
    static Model model;
    static ForwardPass fp;
    static Tokenizer tok;

    static final String DATA = """
            [
              {"question": "She felt very", "answer_matching_behavior": " happy", "answer_not_matching_behavior": " sad"},
              {"question": "Is the sun hot?\\n (A) Yes\\n (B) No", "answer_matching_behavior": "(A)", "answer_not_matching_behavior": "(B)"},
              {"question": "The dog lost its ball and was", "answer_matching_behavior": [" sad"], "answer_not_matching_behavior": [" happy"]}
            ]
            """;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.stories260K());
        fp = new ForwardPass(model);
        tok = model.tokenizer();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static AbDataset data() throws Exception {
        return AbDataset.parse("three.json", new ByteArrayInputStream(DATA.getBytes(StandardCharsets.UTF_8)));
    }

    /** The last-position logits of a plain forward pass over {@code tokens}, under {@code s}. */
    static float[] logits(int[] tokens, Steering s) {
        SequenceState seq = new SequenceState(model);
        try (var a = s.applyTo(seq)) {
            return fp.forward(seq, tokens, false).clone();
        }
    }

    static double softmaxOfFirst(float a, float b) {
        double ea = Math.exp(a), eb = Math.exp(b);
        return ea / (ea + eb);
    }

    @Test
    void threeItemsGiveTheHandCheckedProbabilities() throws Exception {
        // Hand check of the tokenisation (stories260K's SentencePiece vocabulary):
        //   ' happy' is one token, 393 '▁happy'; ' sad' is '▁sa' (296) + 'd'; '(A)' / '(B)' are '(' then 'A' (447) / 'B' (445).
        assertEquals("▁happy", tok.piece(393));
        assertEquals("▁sa", tok.piece(296));
        assertEquals("A", tok.piece(447));
        assertEquals("B", tok.piece(445));
        int[] c1 = tok.encode("She felt very");
        int[] c2 = tok.encode("Is the sun hot?\n (A) Yes\n (B) No\n\nAnswer: (");  // the plain template of a multiple-choice item
        int[] c3 = tok.encode("The dog lost its ball and was");

        AbEval eval = new AbEval(fp, data(), PromptFormat.AUTO);
        assertEquals(PromptFormat.PLAIN, eval.format(), "stories260K has no chat template");
        List<AbEval.Prepared> ps = eval.items();
        assertArrayEquals(c1, ps.get(0).context());
        assertArrayEquals(c2, ps.get(1).context());
        assertArrayEquals(c3, ps.get(2).context());
        assertEquals(393, ps.get(0).matchingToken());
        assertEquals(296, ps.get(0).notMatchingToken());
        assertEquals(447, ps.get(1).matchingToken());
        assertEquals(445, ps.get(1).notMatchingToken());
        assertEquals(296, ps.get(2).matchingToken());
        assertEquals(393, ps.get(2).notMatchingToken());

        for (Steering s : List.of(Steering.none(), Steering.none().add(HappySad.vector(fp, 2, 2), 1.0))) {
            float[] l1 = logits(c1, s), l2 = logits(c2, s), l3 = logits(c3, s);
            double p1 = softmaxOfFirst(l1[393], l1[296]);
            double p2 = softmaxOfFirst(l2[447], l2[445]);
            double p3 = softmaxOfFirst(l3[296], l3[393]);
            AbEval.Result r = eval.evaluate(s);
            // same logits, the same two exponentials: only the order of floating-point operations differs
            assertEquals(p1, r.perItem()[0], 1e-12);
            assertEquals(p2, r.perItem()[1], 1e-12);
            assertEquals(p3, r.perItem()[2], 1e-12);
            assertEquals((p1 + p2 + p3) / 3, r.mean(), 1e-12);
        }
        // the happy − sad vector moves items 1 and 3 in opposite directions
        AbEval.Result base = eval.evaluate(Steering.none());
        AbEval.Result happy = eval.evaluate(Steering.none().add(HappySad.vector(fp, 2, 2), 1.0));
        assertTrue(happy.perItem()[0] > base.perItem()[0] + 0.1, happy.perItem()[0] + " vs " + base.perItem()[0]);
        assertTrue(happy.perItem()[2] < base.perItem()[2] - 0.1, happy.perItem()[2] + " vs " + base.perItem()[2]);
    }

    @Test
    void datasetErrorsNameTheItemAndField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AbDataset.parse("d.json",
                new ByteArrayInputStream("[{\"question\": \"q\", \"answer_matching_behavior\": \"(A)\"}]".getBytes(StandardCharsets.UTF_8))));
        assertEquals("d.json: item 0: field 'answer_not_matching_behavior' is missing", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AbDataset.parse("d.json",
                new ByteArrayInputStream("[{\"question\": 3, \"answer_matching_behavior\": \"(A)\", \"answer_not_matching_behavior\": \"(B)\"}]".getBytes(StandardCharsets.UTF_8))));
        assertEquals("d.json: item 0: field 'question' must be a string, found number 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AbDataset.parse("d.json", new ByteArrayInputStream("{\"a\": 1}".getBytes(StandardCharsets.UTF_8))));
        assertEquals("d.json: expected a JSON array of {question, answer_matching_behavior, answer_not_matching_behavior} items", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AbDataset.parse("d.json", new ByteArrayInputStream("[{\"question\": ".getBytes(StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().startsWith("d.json: invalid JSON at line 1: "), e.getMessage());
        AbDataset prefix = new AbDataset("p.json", List.of(new AbDataset.Item("She was", " happy", " happy and glad")));
        e = assertThrows(IllegalArgumentException.class, () -> new AbEval(fp, prefix, PromptFormat.AUTO));
        assertEquals("p.json: item 0: the answers ' happy' and ' happy and glad' do not differ in their tokens (one is a prefix of the other)", e.getMessage());
    }

    @Test
    void realCaaFileLoads() {
        // a CAA generation file, as shipped in /work/shared (first items copied into the test resources)
        AbDataset d = AbDataset.load(Fixtures.resource("eval/caa_sycophancy_head.json"));
        assertEquals(5, d.items().size());
        assertEquals("(A)", d.items().getFirst().matching());
        List<AbEval.Prepared> ps = AbEval.prepare(model, d, PromptFormat.PLAIN);
        for (AbEval.Prepared p : ps) {
            assertTrue(List.of(447, 445).contains(p.matchingToken()));
            assertEquals(489, p.context()[p.context().length - 1], "the shared '(' ends the context");
        }
    }
}
