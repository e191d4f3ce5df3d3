package dev.steer4j.bench;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.tensor.Quantizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Writes a seeded random-weight GGUF of a real model's shape: the tensor names, shapes and metadata that llama.cpp's
 * {@code convert_hf_to_gguf.py} writes, a synthetic byte-level BPE vocabulary of the real size
 * ({@link SyntheticVocab}), and weights quantised with {@link Quantizer} the way {@code llama-quantize} assigns types
 * (see {@link FileType}).
 * <p>Tensors stream to the file a few rows at a time (generated and quantised on every core), so writing a
 * multi-gigabyte model needs only a few megabytes of heap.
 */
public final class SyntheticModel {
    /** Standard deviation of the random matrix weights (the usual initialisation scale). */
    static final double WEIGHT_STD = 0.02;

    private SyntheticModel() {}

    /**
     * A {@code llama-quantize} file type: the type of most matrices plus the rules that give some tensors more bits.
     * Its id is llama.cpp's {@code general.file_type} ({@code LLAMA_FTYPE_*}).
     */
    public enum FileType {
        F32("f32", GGMLType.F32, 0), F16("f16", GGMLType.F16, 1), BF16("bf16", GGMLType.BF16, 32),
        Q8_0("q8_0", GGMLType.Q8_0, 7), Q4_0("q4_0", GGMLType.Q4_0, 2), Q4_1("q4_1", GGMLType.Q4_1, 3),
        /** Q4_K_M: Q6_K for the output matrix and for attn_v/ffn_down in the layers llama.cpp picks. */
        Q4_K("q4_k", GGMLType.Q4_K, 15),
        /** Q5_K_M, by the same rules. */
        Q5_K("q5_k", GGMLType.Q5_K, 17),
        Q6_K("q6_k", GGMLType.Q6_K, 18);

        public final String cliName;
        public final GGMLType base;
        public final int id;

        FileType(String cliName, GGMLType base, int id) {
            this.cliName = cliName;
            this.base = base;
            this.id = id;
        }

        public static FileType parse(String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (t.equals("q4_k_m")) t = "q4_k";
            if (t.equals("q5_k_m")) t = "q5_k";
            for (FileType f : values()) if (f.cliName.equals(t)) return f;
            throw new IllegalArgumentException("unknown type '" + s + "' (one of: " + String.join(", ", java.util.Arrays.stream(values()).map(f -> f.cliName).toList()) + ")");
        }

        /**
         * The storage type of a 2-D tensor, following llama.cpp's {@code llama_tensor_get_type}: the output matrix (or
         * the token embedding when it doubles as the output) gets Q6_K unless the file is Q8_0 or better; Q4_K_M and
         * Q5_K_M give Q6_K to attn_v and ffn_down in the first and last eighth of the layers and every third layer
         * between. Rows that are not a multiple of 256 cannot hold K-quants; llama.cpp falls back to IQ4_NL/Q5_x
         * there, which steer4j does not read, so this uses Q8_0.
         */
        GGMLType typeOf(String role, int layer, int layers, int cols, boolean isOutput) {
            GGMLType t = base;
            if (base == GGMLType.F32 || base == GGMLType.F16 || base == GGMLType.BF16 || base == GGMLType.Q8_0) return base;
            if (isOutput) t = GGMLType.Q6_K;
            else if ((this == Q4_K || this == Q5_K) && (role.equals("attn_v") || role.equals("ffn_down")) && useMoreBits(layer, layers))
                t = GGMLType.Q6_K;
            if (t.blockSize() == 256 && cols % 256 != 0) t = GGMLType.Q8_0;
            return t;
        }

        private static boolean useMoreBits(int i, int n) {
            return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
        }
    }

    /** Summary of a written model. */
    public record Written(Path path, long bytes, long parameters, int tensors, double seconds) {}

    /** Writes the model; {@code progress} receives one line per finished tensor group (may be null). */
    public static Written write(ModelShape s, FileType type, long seed, Path out, Consumer<String> progress) {
        long t0 = System.nanoTime();
        GGUFWriter w = new GGUFWriter();
        String a = s.architecture();
        w.putString("general.architecture", a);
        w.putString("general.type", "model");
        w.putString("general.name", s.displayName() + " (steer4j synthetic, seed " + seed + ")");
        w.putString("general.description", "random weights of the " + s.name() + " shape written by steer4j synth; for speed measurements only");
        w.putUInt32(a + ".block_count", s.layers());
        w.putUInt32(a + ".context_length", s.contextLength());
        w.putUInt32(a + ".embedding_length", s.dim());
        w.putUInt32(a + ".feed_forward_length", s.ffn());
        w.putUInt32(a + ".attention.head_count", s.heads());
        w.putUInt32(a + ".attention.head_count_kv", s.kvHeads());
        w.putFloat32(a + ".rope.freq_base", s.ropeTheta());
        w.putFloat32(a + ".attention.layer_norm_rms_epsilon", s.rmsEps());
        if (a.equals("llama") || s.headDim() != s.dim() / s.heads()) {
            w.putUInt32(a + ".attention.key_length", s.headDim());
            w.putUInt32(a + ".attention.value_length", s.headDim());
        }
        w.putUInt32("general.file_type", type.id);
        if (a.equals("llama")) {
            w.putUInt32(a + ".vocab_size", s.vocab());
            w.putUInt32(a + ".rope.dimension_count", s.headDim());
        }
        SyntheticVocab.forShape(s, seed).putInto(w);
        w.putUInt32("general.quantization_version", 2);

        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "steer4j-synth");
            t.setDaemon(true);
            return t;
        });
        try {
            List<String> names = new ArrayList<>();
            if (s.ropeScaling() != null) addF32(w, names, "rope_freqs.weight", llama3RopeFactors(s));
            int[] counter = {0};
            matrix(w, names, pool, threads, "token_embd.weight", s.vocab(), s.dim(),
                    type.typeOf("token_embd", -1, s.layers(), s.dim(), s.tiedEmbeddings()), seed, counter);
            for (int l = 0; l < s.layers(); l++) {
                String b = "blk." + l + ".";
                addF32(w, names, b + "attn_norm.weight", norm(s.dim(), seed, names.size()));
                matrix(w, names, pool, threads, b + "ffn_down.weight", s.dim(), s.ffn(), type.typeOf("ffn_down", l, s.layers(), s.ffn(), false), seed, counter);
                matrix(w, names, pool, threads, b + "ffn_gate.weight", s.ffn(), s.dim(), type.typeOf("ffn_gate", l, s.layers(), s.dim(), false), seed, counter);
                matrix(w, names, pool, threads, b + "ffn_up.weight", s.ffn(), s.dim(), type.typeOf("ffn_up", l, s.layers(), s.dim(), false), seed, counter);
                addF32(w, names, b + "ffn_norm.weight", norm(s.dim(), seed, names.size()));
                if (s.qkvBias()) addF32(w, names, b + "attn_k.bias", bias(s.kvDim(), seed, names.size()));
                matrix(w, names, pool, threads, b + "attn_k.weight", s.kvDim(), s.dim(), type.typeOf("attn_k", l, s.layers(), s.dim(), false), seed, counter);
                matrix(w, names, pool, threads, b + "attn_output.weight", s.dim(), s.qDim(), type.typeOf("attn_output", l, s.layers(), s.qDim(), false), seed, counter);
                if (s.qkvBias()) addF32(w, names, b + "attn_q.bias", bias(s.qDim(), seed, names.size()));
                matrix(w, names, pool, threads, b + "attn_q.weight", s.qDim(), s.dim(), type.typeOf("attn_q", l, s.layers(), s.dim(), false), seed, counter);
                if (s.qkvBias()) addF32(w, names, b + "attn_v.bias", bias(s.kvDim(), seed, names.size()));
                matrix(w, names, pool, threads, b + "attn_v.weight", s.kvDim(), s.dim(), type.typeOf("attn_v", l, s.layers(), s.dim(), false), seed, counter);
            }
            addF32(w, names, "output_norm.weight", norm(s.dim(), seed, names.size()));
            if (!s.tiedEmbeddings())
                matrix(w, names, pool, threads, "output.weight", s.vocab(), s.dim(), type.typeOf("output", -1, s.layers(), s.dim(), true), seed, counter);
            Progress p = new Progress(progress, names.size());
            currentProgress.set(p);
            w.write(out);
            long bytes = java.nio.file.Files.size(out);
            return new Written(out, bytes, s.parameters(), names.size(), (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + out + ": " + e.getMessage(), e);
        } finally {
            currentProgress.remove();
            pool.shutdownNow();
        }
    }

    private static final ThreadLocal<Progress> currentProgress = new ThreadLocal<>();

    /** Reports every tenth of the tensors written. */
    private static final class Progress {
        final Consumer<String> sink;
        final int total;
        int done;
        final long t0 = System.nanoTime();

        Progress(Consumer<String> sink, int total) {
            this.sink = sink;
            this.total = total;
        }

        void tensorDone(String name) {
            done++;
            if (sink != null && (done == total || done % Math.max(1, total / 10) == 0))
                sink.accept(String.format(Locale.ROOT, "  %3d/%d tensors (%s) %.1f s", done, total, name, (System.nanoTime() - t0) / 1e9));
        }
    }

    private static void addF32(GGUFWriter w, List<String> names, String name, float[] values) {
        names.add(name);
        w.add(name, new long[]{values.length}, GGMLType.F32, 4L * values.length, out -> {
            out.write(Quantizer.quantize(GGMLType.F32, values, 1, values.length));
            Progress p = currentProgress.get();
            if (p != null) p.tensorDone(name);
        });
    }

    /** A rows × cols random matrix, generated and quantised in row chunks on the pool and written in order. */
    private static void matrix(GGUFWriter w, List<String> names, ExecutorService pool, int threads, String name,
                               int rows, int cols, GGMLType type, long seed, int[] counter) {
        names.add(name);
        long tensorSeed = mix(seed, counter[0]++);
        int chunkRows = Math.max(1, Math.min(rows, (1 << 19) / cols));
        long bytes = type.byteSize((long) rows * cols);
        w.add(name, new long[]{cols, rows}, type, bytes, out -> {
            ArrayDeque<Future<byte[]>> window = new ArrayDeque<>();
            int next = 0;
            try {
                while (next < rows || !window.isEmpty()) {
                    while (next < rows && window.size() < 2 * threads) {
                        final int r0 = next, n = Math.min(chunkRows, rows - next);
                        window.add(pool.submit(() -> chunk(type, tensorSeed, r0 / chunkRows, n, cols)));
                        next += n;
                    }
                    out.write(window.poll().get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while writing " + name, e);
            } catch (ExecutionException e) {
                throw new IOException("generating " + name + ": " + e.getCause(), e.getCause());
            } finally {
                for (Future<byte[]> f : window) f.cancel(true);
            }
            Progress p = currentProgress.get();
            if (p != null) p.tensorDone(name);
        });
    }

    /** One chunk of rows: uniform values with standard deviation {@link #WEIGHT_STD}, quantised. */
    static byte[] chunk(GGMLType type, long tensorSeed, int chunkIndex, int rows, int cols) {
        SplittableRandom r = new SplittableRandom(mix(tensorSeed, chunkIndex));
        float[] v = new float[rows * cols];
        double a = WEIGHT_STD * Math.sqrt(3);
        for (int i = 0; i < v.length; i++) v[i] = (float) ((2 * r.nextDouble() - 1) * a);
        return Quantizer.quantize(type, v, rows, cols);
    }

    private static float[] norm(int n, long seed, int index) {
        SplittableRandom r = new SplittableRandom(mix(seed, 1_000_000 + index));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (1 + 0.1 * (r.nextDouble() - 0.5));
        return v;
    }

    private static float[] bias(int n, long seed, int index) {
        SplittableRandom r = new SplittableRandom(mix(seed, 1_000_000 + index));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((2 * r.nextDouble() - 1) * 0.1);
        return v;
    }

    private static long mix(long seed, long k) {
        long z = seed * 0x9E3779B97F4A7C15L + k * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The {@code rope_freqs} divisors of llama3 RoPE scaling, computed as {@code convert_hf_to_gguf.py} does
     * (LlamaModel.generate_extra_tensors).
     */
    static float[] llama3RopeFactors(ModelShape s) {
        ModelShape.Llama3Rope r = s.ropeScaling();
        int half = s.headDim() / 2;
        float[] out = new float[half];
        double lowWavelen = r.originalContext() / r.lowFreqFactor();
        double highWavelen = r.originalContext() / r.highFreqFactor();
        for (int i = 0; i < half; i++) {
            float freq = (float) (1.0 / Math.pow(s.ropeTheta(), (float) (2 * i) / s.headDim()));
            double wavelen = 2 * Math.PI / freq;
            double f;
            if (wavelen < highWavelen) f = 1;
            else if (wavelen > lowWavelen) f = r.factor();
            else {
                double smooth = (r.originalContext() / wavelen - r.lowFreqFactor()) / (r.highFreqFactor() - r.lowFreqFactor());
                f = 1 / ((1 - smooth) / r.factor() + smooth);
            }
            out[i] = (float) f;
        }
        return out;
    }
}
