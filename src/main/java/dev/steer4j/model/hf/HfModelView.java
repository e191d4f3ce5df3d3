package dev.steer4j.model.hf;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.safetensors.SafetensorsModelFiles;
import dev.steer4j.format.safetensors.SafetensorsTensor;
import dev.steer4j.model.ModelException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face model directory seen as the GGUF file llama.cpp's converter would write from it: the
 * {@code {arch}.*} metadata from {@code config.json} and GGUF-named tensors whose data point into the memory-mapped
 * safetensors. Only tensors whose layout differs (the Llama Q/K permutation, GPT-2's transposed Conv1D, Gemma's
 * norm offset) are copied, into the view's own arena. Closing the view unmaps the safetensors.
 */
public final class HfModelView {
    private HfModelView() {}

    /** The model directory of a path: the directory itself, or the one holding a safetensors file or index. */
    public static Path directory(Path pathOrDir) {
        Path abs = pathOrDir.toAbsolutePath();
        return Files.isDirectory(abs) ? abs : abs.getParent();
    }

    /**
     * Whether a path is to be read in HF layout: a directory (it must hold config.json, which the load then says), or a
     * {@code .safetensors} file / shard index.
     */
    public static boolean isHfLayout(Path p) {
        if (Files.isDirectory(p)) return true;
        String n = p.getFileName() == null ? "" : p.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json");
    }

    /** Opens the view of a directory, a {@code .safetensors} file or a {@code model.safetensors.index.json}. */
    public static GGUFFile open(Path pathOrDir) {
        Path dir = directory(pathOrDir);
        HfConfig config = HfConfig.read(dir.resolve("config.json"));
        HfFamily family = HfFamily.of(config);
        SafetensorsModelFiles weights = SafetensorsModelFiles.open(pathOrDir);
        Arena arena = Arena.ofShared();
        try {
            Map<String, GGUFValue> meta = HfConfigMapping.metadata(family, config);
            meta.put("general.name", GGUFValue.of(HfNames.modelName(dir, config)));
            Map<String, GGUFTensorInfo> tensors = new LinkedHashMap<>();
            for (String name : weights.names()) {
                if (family.ignored(name)) continue;
                HfTensorRule rule = family.ruleForHf(name);
                if (rule == null)
                    throw new ModelException(weights.source() + ": tensor '" + name + "' has no GGUF counterpart in the " + family.ggufArch + " family's mapping");
                SafetensorsTensor t = weights.tensor(name);
                int heads = family == HfFamily.GPT2 ? 0 : config.requireInt("num_attention_heads");
                int h = HfFamily.permuteHeads(rule.layout(), heads, family == HfFamily.GPT2 ? 0 : config.getInt("num_key_value_heads", heads));
                if (tensors.put(rule.toGguf(name), convert(rule.toGguf(name), t, rule.layout(), h, arena)) != null)
                    throw new ModelException(weights.source() + ": tensor '" + name + "' maps to " + rule.toGguf(name) + ", which another tensor already gave");
            }
            boolean tied = config.getBool("tie_word_embeddings", family.tiedByDefault);
            if (!tensors.containsKey("token_embd.weight")) {
                GGUFTensorInfo out = tensors.get("output.weight");
                if (out == null) throw new ModelException(weights.source() + ": no token embedding (model.embed_tokens.weight) in the weights");
                // safetensors stores a tied matrix once; transformers keeps lm_head.weight
                tensors.put("token_embd.weight", new GGUFTensorInfo("token_embd.weight", out.dims(), out.type(), 0, out.data()));
            }
            GGUFTensorInfo embd = tensors.get("token_embd.weight");
            switch (family.output) {
                case DROP_WHEN_TIED -> { if (tied) tensors.remove("output.weight"); }
                case ALWAYS_TIED -> tensors.remove("output.weight");
                case REQUIRED -> {
                    if (tied || !tensors.containsKey("output.weight"))
                        tensors.put("output.weight", new GGUFTensorInfo("output.weight", embd.dims(), embd.type(), 0, embd.data()));
                }
            }
            for (Map.Entry<String, float[]> d : HfConfigMapping.derivedTensors(family, config).entrySet()) {
                float[] v = d.getValue();
                MemorySegment seg = arena.allocate(4L * v.length, 8);
                MemorySegment.copy(v, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, v.length);
                tensors.put(d.getKey(), new GGUFTensorInfo(d.getKey(), new long[]{v.length}, GGMLType.F32, 0, seg));
            }
            // the view is named by its directory, so tools that name a model by its file show the model's folder
            return GGUFFile.ofMemory(dir, meta, tensors, arena, weights);
        } catch (RuntimeException e) {
            arena.close();
            weights.close();
            throw e;
        }
    }

    static GGUFTensorInfo convert(String ggufName, SafetensorsTensor t, HfLayout layout, int heads, Arena arena) {
        long[] shape = t.shape();
        long rows = shape.length == 0 ? 1 : shape[0];
        long cols = shape.length <= 1 ? 1 : t.elementCount() / Math.max(1, rows);
        HfTensorLayouts.Kind kind = HfTensorLayouts.Kind.valueOf(t.dtype().name());
        MemorySegment data;
        try {
            data = HfTensorLayouts.apply(layout, t.data(), kind, rows, cols, heads, arena);
        } catch (IllegalArgumentException e) {
            throw new ModelException("tensor '" + t.name() + "' " + t.shapeString() + ": " + e.getMessage());
        }
        long[] hfShape = layout == HfLayout.TRANSPOSE ? new long[]{cols, rows} : shape.clone();
        long[] dims = new long[Math.max(1, hfShape.length)];
        if (hfShape.length == 0) dims[0] = 1;
        for (int i = 0; i < hfShape.length; i++) dims[i] = hfShape[hfShape.length - 1 - i];
        GGMLType type = layout == HfLayout.PLUS_ONE || layout == HfLayout.MINUS_ONE ? GGMLType.F32 : GGMLType.valueOf(t.dtype().name());
        return new GGUFTensorInfo(ggufName, dims, type, 0, data);
    }
}
