package dev.steer4j.runtime;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * RoPE scaling, both ways llama.cpp reads it: llama3's per-pair frequency divisors (the {@code rope_freqs.weight}
 * tensor) and linear scaling ({@code rope.scaling.type = linear}, {@code rope.scaling.factor}). Dividing every
 * frequency by 2 is linear scaling by 2, so the two files must give the same logits (1e-5: identical angles up to
 * float rounding), and both must differ from the unscaled model.
 */
class RopeScalingTest {
    @TempDir Path dir;

    private Path variant(String name, Consumer<GGUFWriter> extra, boolean withFreqs) throws Exception {
        Path out = dir.resolve(name);
        try (GGUFFile f = GGUFFile.open(resource("reference/tiny/tiny-llama.gguf"))) {
            GGUFWriter w = new GGUFWriter().putAll(f.metadata());
            extra.accept(w);
            for (GGUFTensorInfo t : f.tensors().values()) w.addSegment(t.name(), t.dims(), t.type(), t.data());
            if (withFreqs) {
                int headDim = f.getInt("llama.embedding_length", 0) / f.getInt("llama.attention.head_count", 1);
                float[] factors = new float[headDim / 2];
                Arrays.fill(factors, 2f);
                w.addF32("rope_freqs.weight", new long[]{factors.length}, factors);
            }
            w.write(out);
        }
        return out;
    }

    private static float[] logits(Path p) {
        try (Model m = Model.load(p)) {
            int[] tokens = m.tokenizer().encode("Once upon a time, there was a big dog who liked to run");
            return new ForwardPass(m).forward(new SequenceState(m), tokens, true).clone();
        }
    }

    @Test
    void frequencyFactorsOfTwoEqualLinearScalingByTwo() throws Exception {
        float[] plain = logits(resource("reference/tiny/tiny-llama.gguf"));
        float[] freqs = logits(variant("freqs.gguf", w -> {}, true));
        float[] linear = logits(variant("linear.gguf", w -> w.put("llama.rope.scaling.type", GGUFValue.of("linear"))
                .putFloat32("llama.rope.scaling.factor", 2f), false));
        assertTrue(maxAbsDiff(freqs, linear, 0) < 1e-5, "rope_freqs x2 vs linear x2: " + maxAbsDiff(freqs, linear, 0));
        assertTrue(maxAbsDiff(plain, freqs, 0) > 1e-2, "scaling must change the logits");
        try (Model m = Model.load(dir.resolve("freqs.gguf"))) {
            assertEquals(2f, m.config().ropeFreqFactors()[0]);
        }
    }
}
