package dev.steer4j.format.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors weights of one model: a single {@code model.safetensors}, or the shards a
 * {@code model.safetensors.index.json} lists in its {@code weight_map}. Each shard is mapped once; a tensor lookup
 * goes to the shard the index names. {@link #close()} unmaps every shard.
 */
public final class SafetensorsModelFiles implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path source;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsModelFiles(Path source, List<SafetensorsFile> shards, Map<String, SafetensorsFile> byTensor) {
        this.source = source;
        this.shards = List.copyOf(shards);
        this.byTensor = Collections.unmodifiableMap(byTensor);
    }

    /**
     * Opens the weights in a directory ({@code model.safetensors.index.json} first, then {@code model.safetensors}),
     * or the file given: a {@code .safetensors} file or an index.
     */
    public static SafetensorsModelFiles open(Path pathOrDir) {
        Path p = pathOrDir;
        if (Files.isDirectory(p)) {
            if (Files.isRegularFile(p.resolve(INDEX))) p = p.resolve(INDEX);
            else if (Files.isRegularFile(p.resolve(SINGLE))) p = p.resolve(SINGLE);
            else throw new SafetensorsFormatException(pathOrDir, "no " + SINGLE + " or " + INDEX + " in this directory");
        }
        if (p.getFileName().toString().endsWith(".index.json")) return openIndex(p);
        SafetensorsFile f = SafetensorsFile.open(p);
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (String n : f.tensors().keySet()) by.put(n, f);
        return new SafetensorsModelFiles(p, List.of(f), by);
    }

    private static SafetensorsModelFiles openIndex(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsFormatException(index, "cannot read the shard index: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.path("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) throw new SafetensorsFormatException(index, "missing or empty 'weight_map'");
        Map<String, SafetensorsFile> open = new LinkedHashMap<>();
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                String shard = e.getValue().asText();
                if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals(".."))
                    throw new SafetensorsFormatException(index, "weight_map['" + e.getKey() + "'] = '" + shard + "' is not a file name beside the index");
                SafetensorsFile f = open.get(shard);
                if (f == null) {
                    Path sp = index.resolveSibling(shard);
                    if (!Files.isRegularFile(sp)) throw new SafetensorsFormatException(index, "shard '" + shard + "' (for tensor '" + e.getKey() + "') is missing");
                    f = SafetensorsFile.open(sp);
                    open.put(shard, f);
                }
                if (!f.has(e.getKey())) throw new SafetensorsFormatException(f.path(), "tensor '" + e.getKey() + "', listed in " + index.getFileName() + ", is not in this shard");
                by.put(e.getKey(), f);
            }
        } catch (RuntimeException e) {
            open.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsModelFiles(index, new ArrayList<>(open.values()), by);
    }

    /** The file opened: the single safetensors file or the index. */
    public Path source() { return source; }

    public List<SafetensorsFile> shards() { return shards; }

    /** Every tensor name, in index (or header) order. */
    public Iterable<String> names() { return byTensor.keySet(); }

    public boolean has(String name) { return byTensor.containsKey(name); }

    /** The tensor, or null if no shard has it. */
    public SafetensorsTensor tensor(String name) {
        SafetensorsFile f = byTensor.get(name);
        return f == null ? null : f.tensor(name);
    }

    /** The header {@code __metadata__} of the first shard. */
    public Map<String, String> metadata() { return shards.getFirst().metadata(); }

    @Override
    public void close() {
        for (SafetensorsFile f : shards) f.close();
    }
}
