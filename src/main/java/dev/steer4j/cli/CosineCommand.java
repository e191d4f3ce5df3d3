package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.read.Charts;
import dev.steer4j.read.CosineMatrix;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steer4j cosine}: cosine similarities of vectors across layers and methods, as a table and a heatmap. */
@Command(name = "cosine", mixinStandardHelpOptions = true,
        description = "Cosine-similarity matrix of the directions of one or more vector files (every file × layer), printed and optionally plotted as a PNG heatmap.")
public final class CosineCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "VECTOR.gguf", description = "Vector files (llama.cpp control-vector .gguf or .json); each is labelled by its file name")
    List<Path> files;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.png", description = "Write the heatmap as PNG")
    Path out;

    @Option(names = "--json", description = "Print JSON {labels, values}")
    boolean json;

    @Override
    public Integer call() {
        Map<String, SteeringVector> vs = new LinkedHashMap<>();
        for (Path f : files) {
            String name = f.getFileName().toString().replaceFirst("\\.(gguf|json)$", "");
            if (vs.containsKey(name)) name = f.toString();
            vs.put(name, VectorFiles.read(f));
        }
        CosineMatrix.Result r = CosineMatrix.of(vs);
        int n = r.labels().size();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            var l = o.putArray("labels");
            r.labels().forEach(l::add);
            var vals = o.putArray("values");
            for (double[] row : r.values()) {
                var a = vals.addArray();
                for (double d : row) a.add(d);
            }
            System.out.println(o.toPrettyString());
        } else {
            int w = Math.max(8, r.labels().stream().mapToInt(String::length).max().orElse(8));
            StringBuilder h = new StringBuilder(" ".repeat(w));
            for (int j = 0; j < n; j++) h.append(String.format(" %7s", "[" + j + "]"));
            System.out.println(h);
            for (int i = 0; i < n; i++) {
                StringBuilder s = new StringBuilder(String.format("%-" + w + "s", r.labels().get(i)));
                for (int j = 0; j < n; j++) s.append(String.format(" %7.3f", r.values()[i][j]));
                System.out.println(s + "  [" + i + "]");
            }
        }
        if (out != null) {
            var chart = Charts.heatmap("Cosine similarity of steering directions", "direction", "direction", r.labels(), r.labels(), r.values(), 1, "cosine");
            int size = Math.max(520, 120 + 36 * n);
            Charts.writePng(chart, size + 120, size, out);
            System.err.println("wrote " + out);
        }
        return 0;
    }
}
