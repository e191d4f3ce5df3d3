package dev.steer4j.steer.extract;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code mean_difference.json}: happy - sad pairs, last token, resid_post, every layer, from a float64 reference. */
class MeanDifferenceOracleTest {
    static Model model;

    @BeforeAll
    static void load() { model = Model.load(Fixtures.stories260K()); }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void meanDifferenceMatchesTheReferenceWithin1e4() {
        JsonNode ref = Fixtures.json("reference/stories260K/mean_difference.json");
        assertEquals("last token", ref.get("read_position").asText());
        assertEquals("resid_post", ref.get("site").asText());
        List<String> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (JsonNode p : ref.get("pairs")) {
            pos.add(p.get("positive").asText());
            neg.add(p.get("negative").asText());
        }
        SteeringVector v = Extractor.meanDifference(model, ContrastiveDataset.ofPairs("mean_difference", pos, neg));
        assertEquals(model.config().layers(), v.layers().size());
        // the F32 engine matches the float64 reference residuals to ~1e-5 on this model; a mean of three differences
        // of such residuals stays well inside 1e-4
        double worst = 0;
        var it = ref.get("mean_difference").fields();
        int layers = 0;
        while (it.hasNext()) {
            var e = it.next();
            int layer = Integer.parseInt(e.getKey());
            float[] expected = Fixtures.floats(e.getValue());
            double d = Fixtures.maxAbsDiff(v.get(layer), expected, 0);
            worst = Math.max(worst, d);
            assertTrue(d < 1e-4, "layer " + layer + ": max |diff| " + d);
            layers++;
        }
        assertEquals(5, layers);
        assertEquals("mean", v.metadata().method());
        assertEquals("resid_post", v.metadata().site());
        assertEquals("last", v.metadata().readPosition());
        System.out.println("mean_difference.json worst |diff| = " + worst);
    }
}
