package dev.steer4j.model;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.tensor.UnsupportedTensorTypeException;
import dev.steer4j.tensor.WeightMatrix;
import dev.steer4j.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A loaded model: configuration and weights mapped from a GGUF file. Immutable and shared by every sequence and
 * thread; all per-sequence state lives in {@link dev.steer4j.runtime.SequenceState}.
 */
public final class Model implements AutoCloseable {
    private final GGUFFile file;
    private final ModelConfig config;
    private final WeightMatrix tokenEmbedding;
    private final LayerWeights[] layers;
    private final float[] outputNorm;
    private final WeightMatrix output;
    private final Tokenizer tokenizer;

    private Model(GGUFFile file, ModelConfig config, WeightMatrix tokenEmbedding, LayerWeights[] layers,
                  float[] outputNorm, WeightMatrix output, Tokenizer tokenizer) {
        this.file = file;
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
        this.tokenizer = tokenizer != null ? tokenizer : Tokenizer.fromGGUF(file);
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
        Architecture.fromGGUF(f.path(), arch);
        GGUFTensorInfo embd = f.requireTensor("token_embd.weight");
        GGUFTensorInfo freqs = f.tensor("rope_freqs.weight");
        float[] freqFactors = freqs == null ? null : vector(f, freqs);
        ModelConfig c = ModelConfig.fromGGUF(f, freqFactors, (int) embd.rows());
        Path p = f.path();

        WeightMatrix tokenEmbedding = matrix(f, "token_embd.weight", c.vocabSize(), c.dim());
        LayerWeights[] layers = new LayerWeights[c.layers()];
        boolean biases = c.architecture() == Architecture.QWEN2;
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            layers[l] = new LayerWeights(
                    norm(f, b + "attn_norm.weight", c.dim()),
                    matrix(f, b + "attn_q.weight", c.qDim(), c.dim()),
                    matrix(f, b + "attn_k.weight", c.kvDim(), c.dim()),
                    matrix(f, b + "attn_v.weight", c.kvDim(), c.dim()),
                    matrix(f, b + "attn_output.weight", c.dim(), c.qDim()),
                    biases ? optionalBias(f, b + "attn_q.bias", c.qDim()) : null,
                    biases ? optionalBias(f, b + "attn_k.bias", c.kvDim()) : null,
                    biases ? optionalBias(f, b + "attn_v.bias", c.kvDim()) : null,
                    norm(f, b + "ffn_norm.weight", c.dim()),
                    matrix(f, b + "ffn_gate.weight", c.ffnDim(), c.dim()),
                    matrix(f, b + "ffn_up.weight", c.ffnDim(), c.dim()),
                    matrix(f, b + "ffn_down.weight", c.dim(), c.ffnDim()));
        }
        float[] outNorm = norm(f, "output_norm.weight", c.dim());
        WeightMatrix output = f.tensor("output.weight") != null ? matrix(f, "output.weight", c.vocabSize(), c.dim()) : tokenEmbedding;
        if (p == null) throw new IllegalStateException();
        return new Model(f, c, tokenEmbedding, layers, outNorm, output, tokenizer);
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
        return vector(f, t);
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
    public ModelConfig config() { return config; }
    public WeightMatrix tokenEmbedding() { return tokenEmbedding; }
    public LayerWeights layer(int l) { return layers[l]; }
    public float[] outputNorm() { return outputNorm; }
    public WeightMatrix output() { return output; }
    /** The tokenizer described by the file's {@code tokenizer.ggml.*} metadata. */
    public Tokenizer tokenizer() { return tokenizer; }

    public boolean tiedEmbeddings() { return output == tokenEmbedding; }

    /** Bytes of weights read per decoded token (every matrix once, the embedding row aside). */
    public long weightBytesPerToken() {
        long sum = output.rowBytes() * output.rows();
        for (LayerWeights l : layers) {
            for (WeightMatrix m : Arrays.asList(l.wq(), l.wk(), l.wv(), l.wo(), l.ffnGate(), l.ffnUp(), l.ffnDown()))
                sum += m.rowBytes() * m.rows();
        }
        return sum;
    }

    @Override
    public void close() { file.close(); }
}
