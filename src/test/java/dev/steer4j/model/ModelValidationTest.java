package dev.steer4j.model;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFValueType;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.testutil.Fixtures;
import dev.steer4j.testutil.GGUFPatch;
import dev.steer4j.testutil.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damaged models that used to load (or crash with OutOfMemoryError) and now fail on load with a message naming the
 * key or tensor and the value.
 */
class ModelValidationTest {
    @TempDir Path dir;

    private Path write(String name, byte[] b) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private Path write(String name, GGUFWriter w) throws IOException {
        Path p = dir.resolve(name);
        w.write(p);
        return p;
    }

    private static String fails(Path p) {
        ModelException e = assertThrows(ModelException.class, () -> Model.load(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theTinyModelLoads() throws IOException {
        try (Model m = Model.load(write("tiny.gguf", TinyModel.writer(GGMLType.F32)))) {
            assertEquals(10, m.config().vocabSize());
        }
    }

    @Test
    void aHugeBlockCountIsAnErrorNotAnOutOfMemoryError() throws IOException {
        Path p = write("blocks.gguf", TinyModel.writer(GGMLType.F32).putUInt32("llama.block_count", Integer.MAX_VALUE));
        assertEquals(p + ": metadata 'llama.block_count' = 2147483647 must be in 1..16777216", fails(p));
        p = write("blocks2.gguf", TinyModel.writer(GGMLType.F32).putUInt32("llama.block_count", 1_000_000));
        assertEquals(p + ": metadata 'llama.block_count' = 1000000 but the file has only 11 tensors (each block needs several)", fails(p));
    }

    @Test
    void aBlockCountSmallerThanTheBlocksPresentIsAnError() throws IOException {
        GGUFPatch patch = new GGUFPatch(Files.readAllBytes(Fixtures.stories260K()));
        patch.putInt(patch.metaValue("llama.block_count"), 3);
        String m = fails(write("fewer.gguf", patch.bytes()));
        assertTrue(m.contains("tensor 'blk.3.attn_q.weight' belongs to block 3 but metadata 'llama.block_count' = 3 (blocks 0..2)"), m);
    }

    @Test
    void nonFiniteEpsilonAndRopeBaseAreErrors() throws IOException {
        assertTrue(fails(write("eps.gguf", TinyModel.writer(GGMLType.F32).putFloat32("llama.attention.layer_norm_rms_epsilon", Float.NaN)))
                .endsWith("metadata 'llama.attention.layer_norm_rms_epsilon' = NaN must be finite and >= 0"));
        assertTrue(fails(write("rope.gguf", TinyModel.writer(GGMLType.F32).putFloat32("llama.rope.freq_base", Float.POSITIVE_INFINITY)))
                .endsWith("metadata 'llama.rope.freq_base' = Infinity must be finite and > 0"));
    }

    @Test
    void aNaNInANormIsAnError() throws IOException {
        float[] norm = new float[8];
        Arrays.fill(norm, 1f);
        norm[5] = Float.NaN;
        GGUFWriter w = TinyModel.writer(GGMLType.F32);
        Path good = write("good.gguf", w);
        byte[] b = Files.readAllBytes(good);
        // the ffn norm's data: find it through the reader, then overwrite one float in place
        long at;
        try (GGUFFile f = GGUFFile.open(good)) {
            at = f.dataOffset() + f.requireTensor("blk.0.ffn_norm.weight").offset();
        }
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat((int) at + 5 * 4, Float.NaN);
        assertTrue(fails(write("nan.gguf", b)).endsWith("tensor 'blk.0.ffn_norm.weight' has NaN at index 5; the weights are damaged"));
    }

    @Test
    void aNegativeContextLengthIsNamed() throws IOException {
        Path p = write("ctx.gguf", TinyModel.writer(GGMLType.F32).put("llama.context_length", GGUFValue.ofInt32(-5)));
        assertEquals(p + ": metadata 'llama.context_length' = -5 must be in 1..16777216", fails(p));
    }

    @Test
    void aTokenizerSmallerThanTheEmbeddingIsALoadError() throws IOException {
        int n = 8;
        String[] tokens = Arrays.copyOf(TinyModel.TOKENS, n);
        float[] scores = new float[n];
        long[] types = new long[n];
        Arrays.fill(types, 1);
        GGUFWriter w = TinyModel.writer(GGMLType.F32)
                .put("tokenizer.ggml.tokens", GGUFValue.ofStrings(tokens))
                .put("tokenizer.ggml.scores", GGUFValue.ofFloats(scores))
                .put("tokenizer.ggml.token_type", GGUFValue.ofInts(GGUFValueType.INT32, types));
        Path p = write("vocab.gguf", w);
        assertEquals(p + ": the tokenizer has 8 tokens (tokenizer.ggml.tokens) but token_embd.weight has 10 rows; they must match", fails(p));
    }
}
