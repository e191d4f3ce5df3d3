package dev.steer4j.testutil;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFValueType;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.tensor.Quantizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A few-kilobyte llama GGUF (1 layer, 2 heads, a 10-token SentencePiece vocabulary) written with {@link GGUFWriter}:
 * small enough to be a fuzzing seed and to corrupt field by field in tests.
 */
public final class TinyModel {
    private TinyModel() {}

    public static final String[] TOKENS = {"<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "▁b", "ab", "▁ab"};

    /** A writer holding the tiny model; {@code matrixType} is F32 or Q8_0 (then dim is 32). */
    public static GGUFWriter writer(GGMLType matrixType) {
        int dim = matrixType == GGMLType.F32 ? 8 : 32, heads = 2, ffn = dim * 2, vocab = TOKENS.length;
        SplittableRandom r = new SplittableRandom(7);
        GGUFWriter w = new GGUFWriter();
        w.putString("general.architecture", "llama");
        w.putString("general.name", "tiny");
        w.putUInt32("llama.block_count", 1);
        w.putUInt32("llama.embedding_length", dim);
        w.putUInt32("llama.attention.head_count", heads);
        w.putUInt32("llama.attention.head_count_kv", heads);
        w.putUInt32("llama.feed_forward_length", ffn);
        w.putUInt32("llama.context_length", 64);
        w.putFloat32("llama.rope.freq_base", 10000f);
        w.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
        w.putString("tokenizer.ggml.model", "llama");
        w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(TOKENS));
        float[] scores = new float[vocab];
        long[] types = new long[vocab];
        for (int i = 0; i < vocab; i++) { scores[i] = -i; types[i] = i < 3 ? 3 : 1; }
        types[0] = 2;
        w.put("tokenizer.ggml.scores", GGUFValue.ofFloats(scores));
        w.put("tokenizer.ggml.token_type", GGUFValue.ofInts(GGUFValueType.INT32, types));
        w.putUInt32("tokenizer.ggml.bos_token_id", 1);
        w.putUInt32("tokenizer.ggml.eos_token_id", 2);
        w.putUInt32("tokenizer.ggml.unknown_token_id", 0);
        matrix(w, "token_embd.weight", vocab, dim, matrixType, r);
        w.addF32("blk.0.attn_norm.weight", new long[]{dim}, ones(dim));
        matrix(w, "blk.0.attn_q.weight", dim, dim, matrixType, r);
        matrix(w, "blk.0.attn_k.weight", dim, dim, matrixType, r);
        matrix(w, "blk.0.attn_v.weight", dim, dim, matrixType, r);
        matrix(w, "blk.0.attn_output.weight", dim, dim, matrixType, r);
        w.addF32("blk.0.ffn_norm.weight", new long[]{dim}, ones(dim));
        matrix(w, "blk.0.ffn_gate.weight", ffn, dim, matrixType, r);
        matrix(w, "blk.0.ffn_up.weight", ffn, dim, matrixType, r);
        matrix(w, "blk.0.ffn_down.weight", dim, ffn, matrixType, r);
        w.addF32("output_norm.weight", new long[]{dim}, ones(dim));
        return w;
    }

    /** The tiny model's bytes. */
    public static byte[] bytes(GGMLType matrixType) {
        try {
            Path tmp = Files.createTempFile("tiny", ".gguf");
            try {
                writer(matrixType).write(tmp);
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void matrix(GGUFWriter w, String name, int rows, int cols, GGMLType type, SplittableRandom r) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.3);
        if (type == GGMLType.F32) w.addF32(name, new long[]{cols, rows}, v);
        else w.addRaw(name, new long[]{cols, rows}, type, Quantizer.quantize(type, v, rows, cols));
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }
}
