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

    @Override
    public Integer call() {
        Path p = ModelOption.resolve(file, false);
        boolean hf = HfModelView.isHfLayout(p);
        try (GGUFFile f = hf ? HfModelView.open(p) : GGUFFile.open(p)) {
            if (hf) System.out.printf("file          %s (Hugging Face layout, %d tensors under their GGUF names)%n", p, f.tensors().size());
            else System.out.printf("file          %s (%,d bytes, GGUF v%d, %d tensors, alignment %d)%n", p, f.fileSize(), f.version(), f.tensors().size(), f.alignment());
            String arch = f.getString("general.architecture", "?");
            if (!"controlvector".equals(arch)) {
                Path tokenizerJson = hf ? HfModelView.directory(p).resolve("tokenizer.json") : null;
                Model m = hf ? Model.fromGGUF(f, Tokenizer.fromHuggingFaceJson(tokenizerJson)) : Model.fromGGUF(f);
                ModelConfig c = m.config();
                System.out.printf("architecture  %s (%s)%n", c.architecture().ggufName, c.name());
                System.out.printf("dimensions    layers %d, n_embd %d, heads %d, kv heads %d, head_dim %d, ffn %d, vocab %d, context %d%n",
                        c.layers(), c.dim(), c.heads(), c.kvHeads(), c.headDim(), c.ffnDim(), c.vocabSize(), c.contextLength());
                System.out.printf("rope          %s, base %s%s%s%n", c.architecture().ropeStyle.name().toLowerCase().replace('_', '-'), c.ropeTheta(),
                        c.ropeFreqScale() != 1f ? ", linear scale " + c.ropeFreqScale() : "", c.ropeFreqFactors() != null ? ", llama3 frequency factors" : "");
                System.out.printf("norm eps      %s%n", c.rmsEps());
                System.out.printf("embeddings    %s%n", m.tiedEmbeddings() ? "tied (output = token_embd)" : "separate output.weight");
                System.out.printf("weights       %,d bytes read per token%n", m.weightBytesPerToken());
                Tokenizer t = m.tokenizer();
                if (hf) System.out.printf("tokenizer     tokenizer.json (%s), %d tokens, bos %d, eos %d, add_bos %s%s%n",
                        t instanceof dev.steer4j.tokenizer.BpeTokenizer ? "byte-level BPE" : "SentencePiece-style BPE", t.vocabSize(), t.bos(), t.eos(),
                        t.addBosByDefault(), t.chatTemplate() != null ? ", chat template" : "");
                else System.out.printf("tokenizer     %s (pre: %s), %d tokens, bos %d, eos %d, add_bos %s%s%n",
                        f.getString("tokenizer.ggml.model", "?"), f.getString("tokenizer.ggml.pre", "default"), t.vocabSize(), t.bos(), t.eos(),
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
                System.out.printf("  %-40s %s%n", e.getKey(), e.getValue().display());
            }
            if (tensors) {
                System.out.println("tensors");
                for (GGUFTensorInfo ti : f.tensors().values())
                    System.out.printf("  %-32s %-6s %s%n", ti.name(), ti.type(), ti.shapeString());
            }
        }
        return 0;
    }
}
