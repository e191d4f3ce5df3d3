package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.safetensors.SafetensorsDType;
import dev.steer4j.format.safetensors.SafetensorsFile;
import dev.steer4j.format.safetensors.SafetensorsModelFiles;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The GGUF oracle models written out in Hugging Face layout (reverse mapping: HF names, [out, in] shapes, Q/K rows
 * back in rotate_half order for llama) and loaded again through the HF view give the GGUF model's logits bit for bit,
 * and the reference logits within 1e-3; F16 and BF16 safetensors and a sharded index load the same way.
 */
class HfRoundTripTest {
    @TempDir Path tmp;

    @Test
    void llamaAndQwen2FromSafetensorsMatchTheirGguf() {
        for (JsonNode m : json("reference/tiny/architectures.json").get("models")) {
            Path gguf = resource("reference/tiny/" + m.get("model_file").asText());
            JsonNode c = m.get("cases").get(0);
            Path dir = tmp.resolve(m.get("arch").asText());
            roundTrip(gguf, dir, 1, c.get("tokens"), c.get("logits"));
        }
    }

    @Test
    void f16AndBf16SafetensorsAndAShardedIndex() {
        for (JsonNode c : json("reference/tiny/quantized.json").get("cases")) {
            String type = c.get("type").asText();
            if (!type.equals("F16") && !type.equals("BF16") && !type.equals("F32")) continue;
            Path dir = tmp.resolve(type);
            roundTrip(resource("reference/tiny/" + c.get("model_file").asText()), dir, type.equals("F32") ? 3 : 1, c.get("tokens"),
                    c.has("logits_dequantized_float64") ? c.get("logits_dequantized_float64") : c.get("logits"));
            try (SafetensorsModelFiles w = SafetensorsModelFiles.open(dir)) {
                assertEquals(type.equals("F32") ? 3 : 1, w.shards().size());
                assertEquals(SafetensorsDType.valueOf(type), w.tensor("model.layers.0.self_attn.q_proj.weight").dtype());
            }
        }
    }

    static void roundTrip(Path gguf, Path dir, int shards, JsonNode tokensNode, JsonNode refLogits) {
        int[] tokens = ints(tokensNode);
        try (Model g = Model.load(gguf)) {
            HfExport.writeModel(g.file(), dir, shards);
            assertTrue(Files.isRegularFile(dir.resolve(shards == 1 ? "model.safetensors" : "model.safetensors.index.json")));
            float[] want = new ForwardPass(g).forward(new SequenceState(g), tokens, true);
            try (Model h = Model.fromGGUF(HfModelView.open(dir), g.tokenizer())) {
                assertEquals(g.config().architecture(), h.config().architecture());
                assertEquals(g.tiedEmbeddings(), h.tiedEmbeddings());
                float[] got = new ForwardPass(h).forward(new SequenceState(h), tokens, true);
                assertArrayEquals(want, got, gguf.getFileName() + ": HF-layout logits differ from the GGUF's");
                int vocab = h.config().vocabSize();
                for (int i = 0; i < tokens.length; i++) {
                    double d = maxAbsDiff(floats(refLogits.get(i)), got, i * vocab);
                    assertTrue(d < 1e-3, gguf.getFileName() + " logits at " + i + ": " + d);
                }
                // the HF file really is in HF layout: llama's query rows are stored permuted, qwen2's as they are
                if (shards == 1) {
                    try (SafetensorsFile st = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
                        MemorySegment hfQ = st.tensor("model.layers.0.self_attn.q_proj.weight").data();
                        MemorySegment ggQ = g.file().requireTensor("blk.0.attn_q.weight").data();
                        boolean same = hfQ.mismatch(ggQ) == -1;
                        assertEquals(h.config().architecture().ggufName.equals("qwen2"), same, "q_proj layout of " + gguf.getFileName());
                    }
                }
            }
        }
    }

    @Test
    void queryRowsArePermutedAsLlamaCppsConverterDoes() {
        // one head of 4 rows: HF (rotate_half) rows [x0, x1 | y0, y1] pair x_i with y_i; GGUF pairs rows 2i, 2i+1
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hf = a.allocateFrom(ValueLayout.JAVA_FLOAT, 10, 11, 20, 21, 30, 31, 40, 41); // 4 rows × 2 cols
            MemorySegment gg = HfTensorLayouts.permuteRows(hf, 4, 8, 1, true, a);
            assertArrayEquals(new float[]{10, 11, 30, 31, 20, 21, 40, 41}, gg.toArray(ValueLayout.JAVA_FLOAT));
            MemorySegment back = HfTensorLayouts.permuteRows(gg, 4, 8, 1, false, a);
            assertArrayEquals(hf.toArray(ValueLayout.JAVA_FLOAT), back.toArray(ValueLayout.JAVA_FLOAT));
            // two heads of 4 rows: each permuted within itself
            MemorySegment two = a.allocateFrom(ValueLayout.JAVA_FLOAT, 0, 1, 2, 3, 4, 5, 6, 7);
            assertArrayEquals(new float[]{0, 2, 1, 3, 4, 6, 5, 7}, HfTensorLayouts.permuteRows(two, 8, 4, 2, true, a).toArray(ValueLayout.JAVA_FLOAT));
        }
    }

    @Test
    void theViewReadsTheSafetensorsMappingWithoutCopyingUnpermutedTensors() {
        try (GGUFFile v = HfModelView.open(TinyStoriesSafetensorsTest.DIR);
             SafetensorsFile st = SafetensorsFile.open(TinyStoriesSafetensorsTest.DIR.resolve("model.safetensors"))) {
            assertEquals("llama", v.requireString("general.architecture"));
            assertEquals(2, v.requireInt("llama.block_count"));
            assertEquals(4, v.requireInt("llama.attention.head_count_kv"));
            assertEquals(1e-6f, v.getFloat("llama.attention.layer_norm_rms_epsilon", 0));
            assertNull(v.tensor("output.weight"), "tied embeddings have no output.weight");
            assertArrayEquals(new long[]{384, 128}, v.requireTensor("blk.0.ffn_down.weight").dims());
            // v_proj is not permuted: same bytes; q_proj is
            assertEquals(-1, v.requireTensor("blk.1.attn_v.weight").data().mismatch(st.tensor("model.layers.1.self_attn.v_proj.weight").data()));
            assertNotEquals(-1, v.requireTensor("blk.1.attn_q.weight").data().mismatch(st.tensor("model.layers.1.self_attn.q_proj.weight").data()));
        }
    }
}
