package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.read.LogitLens;
import dev.steer4j.read.ReadPages;
import dev.steer4j.read.TokenScore;
import dev.steer4j.steer.SteeringVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j lens}: the tokens a vector promotes and suppresses (logit lens through the final norm and unembedding). */
@Command(name = "lens", mixinStandardHelpOptions = true,
        description = "Logit lens of a steering vector: the tokens each layer's direction most promotes and suppresses, through the final RMSNorm and the unembedding.")
public final class LensCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin VectorOption vector;

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class, description = "Layers to show: 1-4, 2,3 (default: every layer of the vector)")
    dev.steer4j.util.LayerList layers;

    @Option(names = {"-k", "--top"}, paramLabel = "N", defaultValue = "10", description = "Tokens per side (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
        try (Model m = model.load()) {
            SteeringVector v = vector.load(m);
            List<Integer> ls = layers == null ? List.copyOf(v.layers().keySet()) : LayerListConverter.within(layers, m.config().layers(), "--layers").orElse(v.layers().keySet());
            ObjectNode doc = new ObjectMapper().createObjectNode();
            doc.put("vector", vector.vector.toString());
            ArrayNode arr = doc.putArray("layers");
            for (int l : ls) {
                if (!v.has(l)) throw new IllegalArgumentException("vector file " + vector.vector + " has no direction for layer " + l + " (it has layers " + v.layers().keySet() + ")");
                LogitLens.Result r = LogitLens.lens(m, v.get(l), k);
                if (json) {
                    ObjectNode o = arr.addObject();
                    o.put("layer", l);
                    put(o.putArray("promoted"), r.promoted());
                    put(o.putArray("suppressed"), r.suppressed());
                } else {
                    System.out.println("layer " + l + " (" + vector.name() + ")");
                    System.out.printf("  %-24s %-24s%n", "promoted", "suppressed");
                    for (int i = 0; i < r.promoted().size(); i++) {
                        TokenScore a = r.promoted().get(i), b = r.suppressed().get(i);
                        System.out.printf("  %-16s %7.3f %-16s %7.3f%n", "'" + ReadPages.visible(a.text()) + "'", a.score(), "'" + ReadPages.visible(b.text()) + "'", b.score());
                    }
                }
            }
            if (json) System.out.println(doc.toPrettyString());
        }
        return 0;
    }

    private static void put(ArrayNode a, List<TokenScore> ts) {
        for (TokenScore t : ts) a.addObject().put("id", t.id()).put("text", t.text()).put("logit", t.score());
    }
}
