package dev.steer4j.model;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.tensor.UnsupportedTensorTypeException;
import dev.steer4j.tensor.WeightMatrix;
import dev.steer4j.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A loaded model: configuration and weights mapped from a GGUF file, laid out as its {@link Family} says. Immutable and shared by every sequence and
 * thread; all per-sequence state lives in {@link dev.steer4j.runtime.SequenceState}.
 */
public final class Model implements AutoCloseable {
    private final GGUFFile file;
    private final ModelConfig config;
    private final WeightMatrix tokenEmbedding;
    private final WeightMatrix positionEmbedding;
    private final LayerWeights[] layers;
    private final float[] outputNorm;
    private final float[] outputNormBias;
    private final WeightMatrix output;
    private final Tokenizer tokenizer;
    private List<String> warnings = List.of();

    private Model(GGUFFile file, ModelConfig config, WeightMatrix tokenEmbedding, WeightMatrix positionEmbedding,
                  LayerWeights[] layers, float[] outputNorm, float[] outputNormBias, WeightMatrix output, Tokenizer tokenizer) {
        this.file = file;
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.outputNormBias = outputNormBias;
        this.output = output;
        this.tokenizer = tokenizer != null ? tokenizer : Tokenizer.fromGGUF(file);
        ModelChecks.vocabulary(file, this.tokenizer.vocabSize(), (int) tokenEmbedding.rows(), tokenizer == null);
    }

    /**
     * Maps the GGUF file and checks every tensor's presence, type and shape. A directory with {@code config.json}, a
     * {@code .safetensors} file or a shard index loads in Hugging Face layout ({@link dev.steer4j.model.hf.HfModel}).
     */
    public static Model load(Path path) {
        if (dev.steer4j.model.hf.HfModelView.isHfLayout(path)) return dev.steer4j.model.hf.HfModel.load(path);
        GGUFFile f = GGUFFile.open(path);
        try {
            return fromGGUF(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public static Model fromGGUF(GGUFFile f) {
        return fromGGUF(f, null);
    }

    /** As {@link #fromGGUF(GGUFFile)}, with the tokenizer given (null: from the file's tokenizer metadata). */
    public static Model fromGGUF(GGUFFile f, Tokenizer tokenizer) {
        String arch = f.requireString("general.architecture");
        Family fam = Architecture.fromGGUF(f.path(), arch).family;
        GGUFTensorInfo embd = f.requireTensor("token_embd.weight");
        float[] freqFactors = null, longFactors = null;
        if (fam.ropeFactors() == Family.RopeFactors.LONG_SHORT) {
            GGUFTensorInfo s = f.tensor("rope_factors_short.weight"), l = f.tensor("rope_factors_long.weight");
            freqFactors = s == null ? null : vector(f, s);
            longFactors = l == null ? null : vector(f, l);
        } else {
            GGUFTensorInfo freqs = f.tensor("rope_freqs.weight");
            freqFactors = freqs == null ? null : vector(f, freqs);
        }
        ModelConfig c = ModelConfig.fromGGUF(f, freqFactors, longFactors, (int) embd.rows());
        if (f.path() == null) throw new IllegalStateException();

        WeightMatrix tokenEmbedding = matrix(f, "token_embd.weight", c.vocabSize(), c.dim());
        WeightMatrix positionEmbedding = fam.positions() == Family.Positions.LEARNED
                ? matrix(f, "position_embd.weight", c.contextLength(), c.dim()) : null;
        LayerWeights[] layers = new LayerWeights[c.layers()];
        for (int l = 0; l < c.layers(); l++) layers[l] = layer(f, c, fam, "blk." + l + ".");
        boolean layerNorm = fam.norm() == Family.Norm.LAYER;
        float[] outNorm = norm(f, "output_norm.weight", c.dim());
        float[] outNormBias = layerNorm ? norm(f, "output_norm.bias", c.dim()) : null;
        WeightMatrix output = !fam.tiedHead() && f.tensor("output.weight") != null ? matrix(f, "output.weight", c.vocabSize(), c.dim()) : tokenEmbedding;
        Model m = new Model(f, c, tokenEmbedding, positionEmbedding, layers, outNorm, outNormBias, output, tokenizer);
        ModelChecks.finiteWeights(f);
        List<String> warnings = new java.util.ArrayList<>(f.warnings());
        String unused = ModelChecks.unusedTensors(f, arch);
        if (unused != null) warnings.add(unused);
        m.warnings = List.copyOf(warnings);
        return m;
    }

    /** One block's tensors, as the family lays them out. */
    private static LayerWeights layer(GGUFFile f, ModelConfig c, Family fam, String b) {
        int dim = c.dim(), q = c.qDim(), kv = c.kvDim(), ffn = c.ffnDim();
        boolean ln = fam.norm() == Family.Norm.LAYER;
        WeightMatrix wq, wk, wv;
        float[] bq = null, bk = null, bv = null;
        if (fam.fusedQkv()) {
            String n = b + "attn_qkv.weight";
            matrix(f, n, q + 2 * kv, dim);
            wq = rows(f, n, 0, q, dim);
            wk = rows(f, n, q, kv, dim);
            wv = rows(f, n, q + kv, kv, dim);
            float[] bias = fam.qkvBias() ? optionalBias(f, b + "attn_qkv.bias", q + 2 * kv) : null;
            if (bias != null) {
                bq = java.util.Arrays.copyOfRange(bias, 0, q);
                bk = java.util.Arrays.copyOfRange(bias, q, q + kv);
                bv = java.util.Arrays.copyOfRange(bias, q + kv, q + 2 * kv);
            }
        } else {
            wq = matrix(f, b + "attn_q.weight", q, dim);
            wk = matrix(f, b + "attn_k.weight", kv, dim);
            wv = matrix(f, b + "attn_v.weight", kv, dim);
            if (fam.qkvBias()) {
                bq = optionalBias(f, b + "attn_q.bias", q);
                bk = optionalBias(f, b + "attn_k.bias", kv);
                bv = optionalBias(f, b + "attn_v.bias", kv);
            }
        }
        WeightMatrix gate, up;
        if (fam.fusedGateUp()) {
            String n = b + "ffn_up.weight";
            matrix(f, n, 2 * ffn, dim);
            gate = rows(f, n, 0, ffn, dim);
            up = rows(f, n, ffn, ffn, dim);
        } else {
            gate = fam.mlp() == Family.Mlp.GELU ? null : matrix(f, b + "ffn_gate.weight", ffn, dim);
            up = matrix(f, b + "ffn_up.weight", ffn, dim);
        }
        boolean sandwich = fam.residual() == Family.Residual.SANDWICH;
        return new LayerWeights(
                norm(f, b + "attn_norm.weight", dim), wq, wk, wv,
                matrix(f, b + "attn_output.weight", dim, q),
                bq, bk, bv,
                norm(f, b + "ffn_norm.weight", dim), gate, up,
                matrix(f, b + "ffn_down.weight", dim, ffn),
                ln ? norm(f, b + "attn_norm.bias", dim) : null,
                fam.qkNorm() ? norm(f, b + "attn_q_norm.weight", c.headDim()) : null,
                fam.qkNorm() ? norm(f, b + "attn_k_norm.weight", c.headDim()) : null,
                fam.outputBiases() ? optionalBias(f, b + "attn_output.bias", dim) : null,
                sandwich ? norm(f, b + "post_attention_norm.weight", dim) : null,
                ln ? norm(f, b + "ffn_norm.bias", dim) : null,
                fam.outputBiases() ? optionalBias(f, b + "ffn_up.bias", ffn) : null,
                fam.outputBiases() ? optionalBias(f, b + "ffn_down.bias", dim) : null,
                sandwich ? norm(f, b + "post_ffw_norm.weight", dim) : null);
    }

    /** Rows [first, first + count) of a (checked) matrix tensor, as a matrix over the same mapped bytes. */
    private static WeightMatrix rows(GGUFFile f, String name, int first, int count, int cols) {
        GGUFTensorInfo t = f.requireTensor(name);
        long rowBytes = t.type().byteSize(cols);
        try {
            return WeightMatrix.of(name + "[" + first + ":" + (first + count) + "]", t.type(),
                    t.data().asSlice(first * rowBytes, count * rowBytes), count, cols);
        } catch (UnsupportedTensorTypeException e) {
            throw new ModelException(f.path() + ": " + e.getMessage());
        }
    }

    private static WeightMatrix matrix(GGUFFile f, String name, int rows, int cols) {
        GGUFTensorInfo t = f.requireTensor(name);
        if (t.dims().length != 2 || t.dims()[0] != cols || t.dims()[1] != rows)
            throw new ModelException(f.path() + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected [" + cols + ", " + rows + "]");
        if (!t.type().supported()) throw new ModelException(f.path() + ": " + new UnsupportedTensorTypeException(name, t.type()).getMessage());
        try {
            return WeightMatrix.of(t);
        } catch (UnsupportedTensorTypeException e) {
            throw new ModelException(f.path() + ": " + e.getMessage());
        }
    }

    private static float[] norm(GGUFFile f, String name, int n) {
        GGUFTensorInfo t = f.requireTensor(name);
        if (t.elementCount() != n)
            throw new ModelException(f.path() + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected [" + n + "]");
        return ModelChecks.finiteValues(f, name, vector(f, t));
    }

    private static float[] optionalBias(GGUFFile f, String name, int n) {
        return f.tensor(name) == null ? null : norm(f, name, n);
    }

    private static float[] vector(GGUFFile f, GGUFTensorInfo t) {
        if (t.type() != GGMLType.F32 && t.type() != GGMLType.F16 && t.type() != GGMLType.BF16)
            throw new ModelException(f.path() + ": tensor '" + t.name() + "' should be F32, F16 or BF16 but is " + t.type());
        return WeightMatrix.of(t.name(), t.type(), t.data(), 1, (int) t.elementCount()).row(0);
    }

    public GGUFFile file() { return file; }
    /**
     * What llama.cpp would accept but suggests a damaged or unusual file (bytes after the last tensor, tensors this
     * family does not read), each naming the file; the CLI prints them on stderr. Empty for a clean file.
     */
    public List<String> warnings() { return warnings; }
    public ModelConfig config() { return config; }
    public WeightMatrix tokenEmbedding() { return tokenEmbedding; }
    public LayerWeights layer(int l) { return layers[l]; }
    public float[] outputNorm() { return outputNorm; }
    /** LayerNorm bias of the final norm (GPT-2), else null. */
    public float[] outputNormBias() { return outputNormBias; }
    /** Learned absolute position embeddings, one row per position (GPT-2), else null. */
    public WeightMatrix positionEmbedding() { return positionEmbedding; }
    public WeightMatrix output() { return output; }
    /** The tokenizer described by the file's {@code tokenizer.ggml.*} metadata. */
    public Tokenizer tokenizer() { return tokenizer; }

    public boolean tiedEmbeddings() { return output == tokenEmbedding; }

    /** Bytes of weights read per decoded token (every matrix once, the embedding row aside). */
    public long weightBytesPerToken() {
        long sum = output.rowBytes() * output.rows();
        for (LayerWeights l : layers) {
            for (WeightMatrix m : Arrays.asList(l.wq(), l.wk(), l.wv(), l.wo(), l.ffnGate(), l.ffnUp(), l.ffnDown()))
                if (m != null) sum += m.rowBytes() * m.rows();
        }
        return sum;
    }

    @Override
    public void close() { file.close(); }

    /** For example {@code Model[stories260K.gguf: llama, 5 layers, n_embd 64, vocab 512, context 2048]}. */
    @Override
    public String toString() {
        String f = file != null && file.path() != null && file.path().getFileName() != null ? file.path().getFileName().toString() : config.name();
        return "Model[" + f + ": " + config.architecture().ggufName + ", " + config.layers() + " layers, n_embd " + config.dim()
                + ", vocab " + config.vocabSize() + ", context " + config.contextLength() + "]";
    }
}
