package dev.steer4j.cli;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.model.hf.HfModelView;
import dev.steer4j.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code steer4j inspect}: what is in a GGUF file. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a model's architecture, dimensions, tensor types, tokenizer and metadata (GGUF, or a Hugging Face "
                + "directory seen as the GGUF names and keys llama.cpp's converter would write).")
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "GGUF file, Hugging Face directory or its model.safetensors, or hf:ORG/NAME[@REVISION] in the HF cache (default: the bundled stories260K)")
    String file;

    @Option(names = "--tensors", description = "List every tensor")
    boolean tensors;

    /** The family's differences from a plain Llama block, in the words of docs/models.md. */
    static java.util.List<String> familyFeatures(Model m) {
        ModelConfig c = m.config();
        dev.steer4j.model.Family f = c.family();
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add(f.norm() == dev.steer4j.model.Family.Norm.LAYER ? "LayerNorm with bias" : "RMSNorm");
        if (f.fusedQkv()) out.add("fused qkv");
        if (m.layer(0).bq() != null) out.add("qkv bias");
        if (f.qkNorm()) out.add("q/k norms");
        out.add(switch (f.mlp()) { case SWIGLU -> "SwiGLU"; case GEGLU -> "GeGLU"; case GELU -> "GELU"; } + (f.fusedGateUp() ? " (fused gate/up)" : ""));
        if (m.layer(0).bo() != null || m.layer(0).bDown() != null) out.add("output biases");
        if (f.residual() == dev.steer4j.model.Family.Residual.SANDWICH) out.add("sandwich post-norms");
        if (f.scaleEmbedding()) out.add("embedding x sqrt(n_embd)");
        if (c.attnSoftcap() > 0) out.add("attention soft-cap " + c.attnSoftcap());
        if (c.finalSoftcap() > 0) out.add("final soft-cap " + c.finalSoftcap());
        if (c.slidingWindow() > 0) {
            java.util.List<Integer> ls = new java.util.ArrayList<>();
            for (int l = 0; l < c.layers(); l++) if (c.window(l) > 0) ls.add(l);
            String which = ls.size() == c.layers() ? "every layer" : f.windowPattern() == 2 ? "even layers" : "layers " + ls;
            out.add("sliding window " + c.slidingWindow() + " on " + which);
        }
        if (c.queryScale() != (float) (1.0 / Math.sqrt(c.headDim()))) out.add("query scale " + c.queryScale());
        if (!c.architecture().verified) out.add("UNTESTED (no reference numbers yet)");
        return out;
    }

    @Override
    public Integer call() {
        Path p = ModelOption.resolve(file, false);
        boolean hf = HfModelView.isHfLayout(p);
        try (GGUFFile f = hf ? HfModelView.open(p) : GGUFFile.open(p)) {
            if (hf) System.out.printf("file          %s (Hugging Face layout, %d tensors under their GGUF names)%n", p, f.tensors().size());
            else System.out.printf("file          %s (%,d bytes, GGUF v%d, %d tensors, alignment %d)%n", p, f.fileSize(), f.version(), f.tensors().size(), f.alignment());
            String arch = f.getString("general.architecture", "?");
            if ("controlvector".equals(arch)) ModelOption.printWarnings(f.warnings());
            else {
                Path tokenizerJson = hf ? HfModelView.directory(p).resolve("tokenizer.json") : null;
                Model m = hf ? Model.fromGGUF(f, Tokenizer.fromHuggingFaceJson(tokenizerJson)) : Model.fromGGUF(f);
                ModelOption.printWarnings(m.warnings());
                ModelConfig c = m.config();
                System.out.printf("architecture  %s (%s)%n", c.architecture().ggufName, dev.steer4j.util.SafeText.of(c.name()));
                System.out.printf("dimensions    layers %d, n_embd %d, heads %d, kv heads %d, head_dim %d, ffn %d, vocab %d, context %d%n",
                        c.layers(), c.dim(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.vocabSize(), c.contextLength());
                dev.steer4j.model.Family fam = c.family();
                if (fam.positions().rotary())
                    System.out.printf("rope          %s, base %s%s%s%s%s%n", fam.positions() == dev.steer4j.model.Family.Positions.ROPE_NEOX ? "neox (half-split)" : "adjacent-pairs",
                            c.ropeTheta(), c.ropeThetaLocal() != c.ropeTheta() ? " (local layers " + c.ropeThetaLocal() + ")" : "",
                            c.ropeFreqScale() != 1f ? ", linear scale " + c.ropeFreqScale() : "",
                            c.ropeFreqFactorsLong() != null ? ", long/short factors (long past " + c.ropeOriginalContext() + " tokens)"
                                    : c.ropeFreqFactors() != null ? ", frequency factors" : "",
                            c.ropeAttnFactor() != 1f ? ", attn_factor " + c.ropeAttnFactor() : "");
                else System.out.printf("positions     learned (position_embd, %d rows)%n", c.contextLength());
                System.out.printf("family        %s%n", String.join(", ", familyFeatures(m)));
                System.out.printf("norm eps      %s%n", c.rmsEps());
                System.out.printf("embeddings    %s%n", m.tiedEmbeddings() ? "tied (output = token_embd)" : "separate output.weight");
                System.out.printf("weights       %,d bytes read per token%n", m.weightBytesPerToken());
                Tokenizer t = m.tokenizer();
                if (hf) System.out.printf("tokenizer     tokenizer.json (%s), %d tokens, bos %d, eos %d, add_bos %s%s%n",
                        t instanceof dev.steer4j.tokenizer.BpeTokenizer ? "byte-level BPE" : "SentencePiece-style BPE", t.vocabSize(), t.bos(), t.eos(),
                        t.addBosByDefault(), t.chatTemplate() != null ? ", chat template" : "");
                else System.out.printf("tokenizer     %s (pre: %s), %d tokens, bos %d, eos %d, add_bos %s%s%n",
                        dev.steer4j.util.SafeText.of(f.getString("tokenizer.ggml.model", "?")), dev.steer4j.util.SafeText.of(f.getString("tokenizer.ggml.pre", "default")), t.vocabSize(), t.bos(), t.eos(),
                        t.addBosByDefault(), t.chatTemplate() != null ? ", chat template" : "");
            }
            Map<GGMLType, long[]> byType = new TreeMap<>();
            for (GGUFTensorInfo ti : f.tensors().values()) {
                long[] a = byType.computeIfAbsent(ti.type(), k -> new long[2]);
                a[0]++;
                a[1] += ti.byteSize();
            }
            StringBuilder sb = new StringBuilder();
            byType.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(" ×").append(v[0]).append(String.format(" (%,d bytes)", v[1])));
            System.out.println("tensor types  " + sb);
            System.out.println("metadata");
            for (Map.Entry<String, GGUFValue> e : f.metadata().entrySet()) {
                System.out.printf("  %-40s %s%n", dev.steer4j.util.SafeText.of(e.getKey()), e.getValue().display());
            }
            if (tensors) {
                System.out.println("tensors");
                for (GGUFTensorInfo ti : f.tensors().values())
                    System.out.printf("  %-32s %-6s %s%n", dev.steer4j.util.SafeText.of(ti.name()), ti.type(), ti.shapeString());
            }
        }
        return 0;
    }
}
