package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.cnn.CnnHookPoint;
import dev.steer4j.maze.MazeGenerator;
import dev.steer4j.maze.MazeLevel;
import dev.steer4j.maze.MazePolicy;
import dev.steer4j.read.NpyWriter;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code steer4j maze vector}: one maze's cheese vector, written as .npy (the site's shape) or steer4j .json. */
@Command(name = "vector", mixinStandardHelpOptions = true,
        description = "The cheese vector of one maze: the activation at SITE with the cheese minus without it, mouse at the start. -o FILE.npy writes the full tensor (e.g. 32x16x16 float32); -o FILE.json writes a steer4j vector file (key = the hook point's index).")
public final class MazeVectorCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "Policy checkpoint (.pth or .safetensors)")
    Path policy;

    @Option(names = "--seed", required = true, paramLabel = "N", description = "Level seed")
    int seed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.npy|FILE.json", description = "Where to write the vector")
    Path out;

    @Option(names = "--json", description = "Print a JSON summary")
    boolean json;

    @Mixin
    MazeOptions opts;

    @Override
    public Integer call() {
        opts.check();
        String name = out.getFileName().toString();
        if (!name.endsWith(".npy") && !name.endsWith(".json")) throw new IllegalArgumentException("-o " + out + ": expected a .npy or .json file");
        MazePolicy p = MazeOptions.load(policy);
        MazeLevel level = MazeGenerator.generate(seed, opts.world, MazeGenerator.Distribution.ANYWHERE);
        ProgressBar bar = new ProgressBar("cheese vector");
        bar.update(0, 1, "seed " + seed);
        SteeringVector v = p.cheeseVector(level, opts.site);
        bar.update(1, 1, "done");
        bar.close();
        CnnHookPoint site = p.network().hookPoint(v.layers().firstKey());
        float[] d = v.get(site.index());
        if (name.endsWith(".npy")) {
            int[] shape = site.shape();
            try (NpyWriter w = new NpyWriter(out, NpyWriter.DType.F4, Arrays.copyOfRange(shape, 1, shape.length))) {
                int row = d.length / shape[0];
                for (int r = 0; r < shape[0]; r++) w.append(d, r * row);
            }
        } else VectorJson.write(out, v);
        double sum = 0, maxAbs = 0;
        int nonzero = 0;
        for (float x : d) { sum += x; maxAbs = Math.max(maxAbs, Math.abs(x)); if (x != 0) nonzero++; }
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("seed", seed).put("site", site.name()).put("file", out.toString());
            var sh = o.putArray("shape");
            for (int s : site.shape()) sh.add(s);
            o.put("l2_norm", SteeringVector.norm(d)).put("sum", sum).put("max_abs", maxAbs).put("nonzero", nonzero);
            System.out.println(o.toPrettyString());
        } else {
            System.out.printf("cheese vector of seed %d at %s, shape %s: L2 norm %.5f, sum %.5f, max |x| %.5f, %d nonzero%n",
                    seed, site.name(), site.shapeString(), SteeringVector.norm(d), sum, maxAbs, nonzero);
            System.out.println("wrote " + out);
        }
        return 0;
    }
}
