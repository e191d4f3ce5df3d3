package dev.steer4j.bench;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Synthetic models: the GGUF layout llama.cpp expects (tensor names, shapes and types; metadata keys with the value
 * types llama.cpp's loader checks; a byte-level BPE vocabulary it can load), deterministic by seed, and runnable by
 * steer4j. The real shapes are checked by their arithmetic (parameter counts) rather than by writing gigabytes.
 */
class SyntheticModelTest {
    @TempDir
    Path dir;

    /** A small llama-3.2-1b-like shape whose rows allow K-quants. */
    static final String SMALL = "custom:layers=2,dim=256,heads=4,kv_heads=2,ffn=512,vocab=1000,context=256";

    @Test
    void presetsHaveTheRealModelsParameterCounts() {
        // Llama-3.2-1B: 1.236B parameters (+32 rope factors); Qwen2.5-0.5B: 494M; Llama-3.1-8B: 8.03B
        assertEquals(1_235_814_432L, ModelShape.LLAMA_32_1B.parameters());
        assertEquals(494_032_768L, ModelShape.QWEN_25_05B.parameters());
        assertEquals(8_030_261_312L, ModelShape.LLAMA_31_8B.parameters());
        assertSame(ModelShape.QWEN_25_05B, ModelShape.parse("Qwen2.5-0.5B"));
    }

    @Test
    void customShapesStartFromABaseAndCheckTheirValues() {
        ModelShape s = ModelShape.parse("custom:base=qwen2.5-0.5b,layers=3");
        assertEquals(3, s.layers());
        assertEquals("qwen2", s.architecture());
        assertTrue(s.qkvBias());
        assertEquals(896, s.dim());
        assertEquals(64, ModelShape.parse("custom:dim=512,heads=8").headDim());
        assertEquals("unknown shape 'llama-7b' (presets: llama-3.2-1b, qwen2.5-0.5b, llama-3.1-8b, or custom:key=value,... with keys "
                + ModelShape.CUSTOM_KEYS + ")", assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("llama-7b")).getMessage());
        assertEquals("shape 'custom:layers=two': layers = 'two' is not an integer",
                assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("custom:layers=two")).getMessage());
        assertEquals("kv_heads = 3 must divide heads = 32",
                assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("custom:kv_heads=3")).getMessage());
        assertEquals("shape 'custom:depth=3': unknown key 'depth' (keys: " + ModelShape.CUSTOM_KEYS + ")",
                assertThrows(IllegalArgumentException.class, () -> ModelShape.parse("custom:depth=3")).getMessage());
    }

    @Test
    void writesTheLayoutLlamaCppLoads() throws Exception {
        Path p = dir.resolve("small-q4_0.gguf");
        SyntheticModel.Written w = SyntheticModel.write(ModelShape.parse(SMALL), SyntheticModel.FileType.Q4_0, 3, p, null);
        assertEquals(Files.size(p), w.bytes());
        try (GGUFFile f = GGUFFile.open(p)) {
            assertEquals(3, f.version());
            // llama.cpp reads these with typed getters: unsigned 32-bit integers and 32-bit floats
            for (String k : new String[]{"llama.block_count", "llama.context_length", "llama.embedding_length",
                    "llama.feed_forward_length", "llama.attention.head_count", "llama.attention.head_count_kv",
                    "llama.rope.dimension_count", "llama.vocab_size", "general.file_type", "general.quantization_version",
                    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"})
                assertEquals("UINT32", f.metadata().get(k).type().name(), k);
            assertEquals("FLOAT32", f.metadata().get("llama.rope.freq_base").type().name());
            assertEquals("FLOAT32", f.metadata().get("llama.attention.layer_norm_rms_epsilon").type().name());
            assertEquals(2, f.getInt("general.file_type", -1)); // LLAMA_FTYPE_MOSTLY_Q4_0
            // tensors: llama3 rope factors, tied embeddings stored once, llama-quantize's types
            assertEquals(GGMLType.F32, f.tensor("rope_freqs.weight").type());
            assertEquals(32, f.tensor("rope_freqs.weight").elementCount());
            assertNull(f.tensor("output.weight"));
            assertEquals(GGMLType.Q6_K, f.tensor("token_embd.weight").type(), "tied embeddings are the output matrix: Q6_K");
            assertEquals(GGMLType.Q4_0, f.tensor("blk.1.ffn_down.weight").type());
            assertEquals(GGMLType.F32, f.tensor("blk.0.attn_norm.weight").type());
            assertArrayEquals(new long[]{256, 1000}, f.tensor("token_embd.weight").dims());
            assertArrayEquals(new long[]{256, 128}, f.tensor("blk.0.attn_k.weight").dims());
            assertArrayEquals(new long[]{512, 256}, f.tensor("blk.0.ffn_down.weight").dims());
            assertEquals(2 * 9 + 3, f.tensors().size());
            for (GGUFTensorInfo t : f.tensors().values()) assertEquals(0, t.offset() % 32, t.name() + " is not 32-byte aligned");
        }
        try (Model m = Model.load(p)) {
            float[] logits = new ForwardPass(m).forward(new SequenceState(m), new int[]{m.tokenizer().bos(), 300, 400}, false);
            for (int i = 0; i < m.config().vocabSize(); i++) assertTrue(Float.isFinite(logits[i]), "logit " + i);
        }
    }

    @Test
    void theVocabularyIsAValidByteLevelBpe() throws Exception {
        Path p = dir.resolve("small-q8.gguf");
        SyntheticModel.write(ModelShape.parse(SMALL), SyntheticModel.FileType.Q8_0, 5, p, null);
        try (GGUFFile f = GGUFFile.open(p)) {
            String[] tokens = f.getStrings("tokenizer.ggml.tokens");
            long[] types = f.getLongs("tokenizer.ggml.token_type");
            String[] merges = f.getStrings("tokenizer.ggml.merges");
            assertEquals(1000, tokens.length);
            assertEquals(1000, types.length);
            assertEquals("INT32", f.metadata().get("tokenizer.ggml.token_type").elementType().name());
            assertEquals("gpt2", f.getString("tokenizer.ggml.model", null));
            assertEquals("llama-bpe", f.getString("tokenizer.ggml.pre", null));
            Set<String> vocab = new HashSet<>();
            for (String t : tokens) assertTrue(vocab.add(t), "duplicate token " + t);
            assertTrue(vocab.contains("\u010A"), "llama.cpp needs the newline byte token");
            assertEquals(1000 - 256 - 256, merges.length);
            for (int i = 0; i < merges.length; i++) {
                String[] lr = merges[i].split(" ", -1);
                assertEquals(2, lr.length, merges[i]);
                assertTrue(vocab.contains(lr[0]) && vocab.contains(lr[1]), merges[i]);
                assertEquals(tokens[256 + i], lr[0] + lr[1], "merge " + i + " makes token " + (256 + i));
            }
            assertEquals("<|begin_of_text|>", tokens[744]);
            assertEquals(744, f.getInt("tokenizer.ggml.bos_token_id", -1));
            assertEquals(3, types[744]);
            // every normal token is made of GPT-2 byte characters, which llama.cpp maps back to bytes
            for (int i = 0; i < 744; i++) {
                assertEquals(1, types[i]);
                for (char c : tokens[i].toCharArray()) assertTrue(c < 0x180 && c != ' ', "token " + i + " has char " + (int) c);
            }
        }
        try (Model m = Model.load(p)) {
            Tokenizer t = m.tokenizer();
            String text = "Hello world,\nthe quick brown fox! 123 é";
            int[] ids = t.encode(text);
            assertEquals(t.bos(), ids[0]);
            assertEquals(text, t.decode(java.util.Arrays.copyOfRange(ids, 1, ids.length)));
        }
    }

    @Test
    void theSeedDeterminesTheBytes() throws Exception {
        Path a = dir.resolve("a.gguf"), b = dir.resolve("b.gguf"), c = dir.resolve("c.gguf");
        String shape = "custom:layers=1,dim=64,heads=2,kv_heads=1,ffn=128,vocab=600,context=64,llama3_rope=false";
        SyntheticModel.write(ModelShape.parse(shape), SyntheticModel.FileType.Q8_0, 1, a, null);
        SyntheticModel.write(ModelShape.parse(shape), SyntheticModel.FileType.Q8_0, 1, b, null);
        SyntheticModel.write(ModelShape.parse(shape), SyntheticModel.FileType.Q8_0, 2, c, null);
        assertEquals(-1, Files.mismatch(a, b));
        assertNotEquals(-1, Files.mismatch(a, c));
    }

    @Test
    void qwen2ShapeHasBiasesAndItsTokenizer() throws Exception {
        Path p = dir.resolve("qwen.gguf");
        SyntheticModel.write(ModelShape.parse("custom:base=qwen2.5-0.5b,layers=1,vocab=2000,dim=128,heads=2,kv_heads=1,ffn=256"),
                SyntheticModel.FileType.Q4_K, 1, p, null);
        try (GGUFFile f = GGUFFile.open(p)) {
            assertEquals("qwen2", f.getString("tokenizer.ggml.pre", null));
            assertEquals(GGMLType.F32, f.tensor("blk.0.attn_q.bias").type());
            // 128-wide rows cannot hold K-quants: Q8_0 instead
            assertEquals(GGMLType.Q8_0, f.tensor("blk.0.attn_q.weight").type());
            // 256-wide rows can: ffn_down of the only layer is one of the layers Q4_K_M gives Q6_K
            assertEquals(GGMLType.Q6_K, f.tensor("blk.0.ffn_down.weight").type());
            assertFalse(f.getBool("tokenizer.ggml.add_bos_token", true));
            assertEquals("<|im_end|>", f.getStrings("tokenizer.ggml.tokens")[2000 - 22 + 2]);
        }
        try (Model m = Model.load(p)) {
            assertEquals(2000, m.config().vocabSize());
            int[] ids = m.tokenizer().encode("hi there");
            assertNotEquals(1977, ids[0], "Qwen2 adds no BOS"); // 1977 = <|endoftext|>, the bos id
            assertEquals("hi there", m.tokenizer().decode(ids));
        }
    }

    @Test
    void q4_kMFollowsLlamaQuantizesLayerRule() {
        SyntheticModel.FileType t = SyntheticModel.FileType.Q4_K;
        // use_more_bits(i, 16): first and last 2 layers, and every third layer between starting at 4
        StringBuilder v = new StringBuilder();
        for (int l = 0; l < 16; l++) v.append(t.typeOf("attn_v", l, 16, 2048, false) == GGMLType.Q6_K ? '6' : '4');
        assertEquals("6644644644644666", v.toString());
        assertEquals(GGMLType.Q4_K, t.typeOf("attn_q", 0, 16, 2048, false));
        assertEquals(GGMLType.Q6_K, t.typeOf("token_embd", -1, 16, 2048, true));
        assertEquals(GGMLType.Q8_0, SyntheticModel.FileType.Q8_0.typeOf("token_embd", -1, 16, 2048, true));
    }
}
