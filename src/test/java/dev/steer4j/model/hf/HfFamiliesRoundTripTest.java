package dev.steer4j.model.hf;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.safetensors.SafetensorsFile;
import dev.steer4j.tensor.WeightMatrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * gpt2, gemma2 and phi3 (the tiny reference GGUFs of shared/reference/arch) written in Hugging Face layout with the
 * reverse mapping (GPT-2's Conv1D weights transposed to [in, out], Gemma's norms stored as w rather than 1 + w, Phi-3's
 * rope factors in config.json) and read back through the HF view: the same GGUF tensors (names, shapes, bytes) and
 * the same {@code {arch}.*} metadata as the file llama.cpp read.
 */
class HfFamiliesRoundTripTest {
    @TempDir Path tmp;

    static Path archDir() {
        for (Path p : new Path[]{Path.of("src/test/resources/reference/arch"), Path.of("../shared/reference/arch")})
            if (Files.isRegularFile(p.resolve("gpt2.gguf"))) return p;
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gemma2", "phi3"})
    void theHfViewOfTheWrittenModelIsTheGguf(String arch) throws Exception {
        Path dir = archDir();
        Assumptions.assumeTrue(dir != null, "skipped: ../shared/reference/arch (the family reference GGUFs) is not here");
        Path out = tmp.resolve(arch);
        try (GGUFFile g = GGUFFile.open(dir.resolve(arch + ".gguf"))) {
            HfExport.writeModel(g, out, 1);
            try (GGUFFile v = HfModelView.open(out)) {
                assertEquals(g.tensors().keySet(), v.tensors().keySet());
                for (GGUFTensorInfo t : g.tensors().values()) {
                    GGUFTensorInfo u = v.requireTensor(t.name());
                    assertArrayEquals(t.dims(), u.dims(), t.name());
                    if (arch.equals("gemma2") && t.name().endsWith("norm.weight")) {
                        float[] a = row(t), b = row(u);
                        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-6f * Math.max(1, Math.abs(a[i])), t.name() + "[" + i + "]");
                    } else {
                        assertEquals(-1, t.data().mismatch(u.data()), t.name() + " bytes");
                    }
                }
                Set<String> missing = new TreeSet<>();
                for (var e : g.metadata().entrySet()) {
                    String k = e.getKey();
                    if (!k.startsWith(arch + ".")) continue;
                    GGUFValue w = v.metadata().get(k);
                    if (w == null) missing.add(k);
                    else assertEquals(e.getValue().display(), w.display(), k);
                }
                assertEquals(Set.of(), missing, "architecture keys the HF view lacks");
            }
            try (SafetensorsFile st = SafetensorsFile.open(out.resolve("model.safetensors"))) {
                switch (arch) {
                    case "gpt2" -> {
                        // Conv1D: [in, out]; tied (output.weight is a copy of the embedding) means one stored matrix
                        long dim = g.requireTensor("token_embd.weight").dims()[0];
                        assertArrayEquals(new long[]{dim, 3 * dim}, st.tensor("transformer.h.0.attn.c_attn.weight").shape());
                        assertEquals(HfConfigMapping.sameData(g.tensor("output.weight"), g.requireTensor("token_embd.weight")), st.tensor("lm_head.weight") == null);
                    }
                    case "gemma2" -> {
                        float[] stored = row(g.requireTensor("blk.0.attn_norm.weight"));
                        float hf = st.tensor("model.layers.0.input_layernorm.weight").data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
                        assertEquals(stored[0] - 1f, hf, 1e-6f, "HF keeps w, GGUF 1 + w");
                        assertNull(st.tensor("lm_head.weight"));
                    }
                    case "phi3" -> {
                        assertNotNull(st.tensor("model.layers.1.self_attn.qkv_proj.weight"));
                        assertNull(st.tensor("rope_factors_long.weight"));
                        assertTrue(Files.readString(out.resolve("config.json")).contains("long_factor"));
                    }
                    default -> fail(arch);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gemma2", "phi3"})
    void theModelFromSafetensorsGivesTheGgufModelsLogits(String arch) {
        Path dir = archDir();
        Assumptions.assumeTrue(dir != null, "skipped: ../shared/reference/arch (the family reference GGUFs) is not here");
        boolean runs;
        try {
            dev.steer4j.model.Architecture.fromGGUF(dir, arch);
            runs = true;
        } catch (dev.steer4j.model.ModelException e) {
            runs = false;
        }
        Assumptions.assumeTrue(runs, "skipped: the engine does not run the " + arch + " family yet");
        Path out = tmp.resolve(arch);
        try (dev.steer4j.model.Model g = dev.steer4j.model.Model.load(dir.resolve(arch + ".gguf"))) {
            HfExport.writeModel(g.file(), out, 2);
            int[] tokens = g.tokenizer().encode("Once upon a time, there was a big dog");
            float[] want = new dev.steer4j.runtime.ForwardPass(g).forward(new dev.steer4j.runtime.SequenceState(g), tokens, true);
            try (dev.steer4j.model.Model h = dev.steer4j.model.Model.fromGGUF(HfModelView.open(out), g.tokenizer())) {
                float[] got = new dev.steer4j.runtime.ForwardPass(h).forward(new dev.steer4j.runtime.SequenceState(h), tokens, true);
                double d = 0;
                for (int i = 0; i < want.length; i++) d = Math.max(d, Math.abs(want[i] - got[i]));
                assertTrue(d < 1e-4, arch + ": logits from safetensors differ from the GGUF's by " + d);
            }
        }
    }

    static float[] row(GGUFTensorInfo t) {
        return WeightMatrix.of(t.name(), t.type(), t.data(), 1, (int) t.elementCount()).row(0);
    }
}
