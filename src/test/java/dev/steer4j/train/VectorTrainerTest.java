package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.DatasetException;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.steer4j.testutil.Fixtures.stories260K;
import static org.junit.jupiter.api.Assertions.*;

/** BiPO vector training on the bundled model's happy/sad pairs. */
class VectorTrainerTest {
    static Model model;
    static List<CompletionPair> pairs;

    @BeforeAll
    static void load() {
        model = Model.load(stories260K());
        pairs = CompletionPair.of(model, Datasets.happySad());
    }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void pairsSplitAtTheirCommonPrefix() {
        CompletionPair first = pairs.getFirst();
        String prompt = model.tokenizer().decode(first.prompt());
        assertTrue(prompt.endsWith("Once upon a time, there was a"), prompt);
        assertTrue(model.tokenizer().decode(first.positive()).strip().startsWith("happy"), model.tokenizer().decode(first.positive()));
        assertTrue(model.tokenizer().decode(first.negative()).strip().startsWith("sad"), model.tokenizer().decode(first.negative()));
    }

    @Test
    void identicalTextsAreRefusedNamingThePair() {
        ContrastiveDataset same = ContrastiveDataset.ofPairs("same", List.of("a cat", "a dog"), List.of("a cow", "a dog"));
        DatasetException e = assertThrows(DatasetException.class, () -> CompletionPair.of(model, same));
        assertTrue(e.getMessage().contains("pair 2: the positive and negative texts are the same tokens"), e.getMessage());
    }

    @Test
    void trainedVectorPrefersHeldOutPositiveCompletions() {
        List<CompletionPair> train = pairs.subList(0, 18), held = pairs.subList(18, pairs.size());
        VectorTrainer.Options o = new VectorTrainer.Options(3, 24, 4, 0.05, 1.0, 4.0, 1);
        VectorTrainer t = new VectorTrainer(model, o);
        Param v = t.newVector();
        double[] losses = new double[2];
        t.train(train, v, t.newOptimiser(v), (s, p, opt) -> { if (s.step() == 1) losses[0] = s.loss(); losses[1] = s.loss(); });
        assertTrue(v.norm() > 0.1 && v.norm() <= 4.0 + 1e-9, "vector norm " + v.norm());
        // On pairs it never saw, +v raises log p(positive) - log p(negative) and -v lowers it.
        double plus = margin(t, held, v, 1), none = margin(t, held, v, 0), minus = margin(t, held, v, -1);
        assertTrue(plus > none + 0.2 && minus < none - 0.2, "held-out margins " + minus + " / " + none + " / " + plus);
    }

    @Test
    void anInterruptedRunResumedFromItsStateEqualsAnUninterruptedOne() {
        List<CompletionPair> train = pairs.subList(0, 8);
        VectorTrainer.Options six = new VectorTrainer.Options(2, 6, 2, 0.05, 1.0, 4.0, 9);
        VectorTrainer.Options three = new VectorTrainer.Options(2, 3, 2, 0.05, 1.0, 4.0, 9);
        VectorTrainer full = new VectorTrainer(model, six);
        Param a = full.newVector();
        SteeringVector straight = full.train(train, a, full.newOptimiser(a), null);

        VectorTrainer firstHalf = new VectorTrainer(model, three);
        Param b = firstHalf.newVector();
        AdamW optB = firstHalf.newOptimiser(b);
        firstHalf.train(train, b, optB, null);
        // "Restart": a new parameter and optimiser restored from the saved values and state.
        Param c = new Param("vector", 1, b.cols, b.value.clone());
        VectorTrainer secondHalf = new VectorTrainer(model, six);
        AdamW optC = secondHalf.newOptimiser(c);
        optC.restore(optB.state());
        SteeringVector resumed = secondHalf.train(train, c, optC, null);
        assertArrayEquals(straight.get(2), resumed.get(2), 0f);
    }

    static double margin(VectorTrainer t, List<CompletionPair> held, Param v, double sign) {
        double sum = 0;
        for (CompletionPair p : held) {
            Tape tape = new Tape();
            var vt = tape.constant(1, v.cols, v.value.clone());
            sum += t.logProb(tape, p, true, vt, sign).item() - t.logProb(tape, p, false, vt, sign).item();
        }
        return sum / held.size();
    }
}
