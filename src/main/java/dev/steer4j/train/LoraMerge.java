package dev.steer4j.train;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.model.Model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model with a LoRA adapter merged in memory: the adapted weights become F32 tensors W + (alpha/rank)·B·A, every
 * other tensor is the base model's own mapping. What {@link EditedModelWriter} would write, without the file; the
 * base model must stay open while the merged one is used.
 */
public final class LoraMerge {
    private LoraMerge() {}

    public static Model merge(Model base, Lora lora) {
        Map<String, float[]> merged = lora.merged(base);
        GGUFFile f = base.file();
        Arena arena = Arena.ofShared();
        try {
            Map<String, GGUFTensorInfo> tensors = new LinkedHashMap<>();
            for (GGUFTensorInfo t : f.tensors().values()) {
                float[] v = merged.get(t.name());
                if (v == null) {
                    tensors.put(t.name(), t);
                    continue;
                }
                MemorySegment seg = arena.allocate(4L * v.length, 64);
                MemorySegment.copy(v, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, v.length);
                tensors.put(t.name(), new GGUFTensorInfo(t.name(), t.dims(), GGMLType.F32, -1, seg));
            }
            return Model.fromGGUF(GGUFFile.ofMemory(f.path(), f.metadata(), tensors, arena, null), base.tokenizer());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
