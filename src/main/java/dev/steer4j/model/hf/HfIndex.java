package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.ModelException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** The shard file names a {@code model.safetensors.index.json} lists. */
final class HfIndex {
    static final String INDEX = "model.safetensors.index.json";

    private HfIndex() {}

    static Set<String> shards(Path index) {
        try {
            JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            Set<String> out = new LinkedHashSet<>();
            for (JsonNode v : map) {
                String s = v.asText();
                if (s.isEmpty() || s.contains("/") || s.contains("\\") || s.startsWith("."))
                    throw new ModelException(index + ": weight_map names '" + s + "', not a file name beside the index");
                out.add(s);
            }
            if (out.isEmpty()) throw new ModelException(index + ": weight_map is missing or empty");
            return out;
        } catch (IOException e) {
            throw new ModelException(index + ": cannot read: " + e.getMessage());
        }
    }
}
