package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.read.Html;
import dev.steer4j.read.Projection;
import dev.steer4j.read.PromptFile;
import dev.steer4j.read.ReadPages;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.SteeringVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j read}: per-token projection on a vector (RepE-style reading), as an HTML heatmap and JSON. */
@Command(name = "read", mixinStandardHelpOptions = true,
        description = {"Read a direction: project every token's activation at a layer on the vector (RepE-style).",
                "Prints a per-token table; with -o writes reading.html (token heatmap) and reading.json."})
public final class ReadCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin VectorOption vector;

    @Option(names = {"-l", "--layer"}, paramLabel = "L", required = true, description = "Layer whose activation is read; the vector's direction at this layer is used")
    int layer;

    @Option(names = "--site", paramLabel = "SITE", defaultValue = "resid_post", converter = HookSiteConverter.class,
            description = "Hook site within the layer: resid_pre, attn_out, resid_mid, mlp_out or resid_post (hook_resid_post and blocks.L.hook_resid_post also accepted; default: ${DEFAULT-VALUE})")
    HookSite site;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to read (repeatable)")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", paramLabel = "FILE", description = "Texts to read (.txt one per line, .jsonl, .json)")
    Path promptFile;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Write reading.html and reading.json here")
    Path out;

    @Option(names = "--center", description = "Subtract the mean projection of all tokens (BOS excluded) so the shared offset does not hide the contrast")
    boolean center;

    @Option(names = "--json", description = "Print the readings as JSON instead of a table")
    boolean json;

    @Override
    public Integer call() {
        List<String> texts = new ArrayList<>(prompts);
        if (promptFile != null) texts.addAll(PromptFile.readAll(promptFile));
        if (texts.isEmpty()) throw new IllegalArgumentException("nothing to read: give --prompt TEXT or --prompts FILE");
        if (!site.residualWidth()) throw new IllegalArgumentException("--site " + site.suffix + " is not of the residual stream's width; use resid_pre, attn_out, resid_mid, mlp_out or resid_post");
        try (Model m = model.load()) {
            layer = LayerListConverter.index(layer, m.config().layers(), "--layer");
            HookPoint point = HookPoint.of(site, layer);
            SteeringVector v = vector.load(m);
            if (!v.has(layer))
                throw new IllegalArgumentException("vector file " + vector.vector + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            float[] dir = v.get(layer);
            ForwardPass fp = new ForwardPass(m);
            List<Projection.Reading> rs = new ArrayList<>();
            for (String t : texts) rs.add(Projection.read(fp, t, point, dir));
            String label = vector.name() + " @ layer " + layer;
            if (center) {
                var c = Projection.center(rs, m.tokenizer().bos());
                rs = c.getKey();
                label += String.format(" (centred: mean %s subtracted)", Html.num(c.getValue()));
                if (!json) System.out.println("centred: subtracted the mean projection " + Html.num(c.getValue()));
            }
            ObjectNode doc = json(m, rs);
            if (json) {
                System.out.println(doc.toPrettyString());
            } else {
                for (Projection.Reading r : rs) {
                    System.out.printf("%s on %s@%d: mean %s (without BOS)%n", point.name(), vector.name(), layer, Html.num(r.mean(true)));
                    for (int i = 0; i < r.tokens().length; i++)
                        System.out.printf("  %3d %-14s %9.4f  %s%n", i, "'" + ReadPages.visible(r.pieces()[i]) + "'", r.scores()[i], bar(r.scores()[i], rs));
                }
            }
            if (out != null) {
                try {
                    Files.createDirectories(out);
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("reading.json").toFile(), doc);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + out.resolve("reading.json") + ": " + e.getMessage(), e);
                }
                Html.write(out.resolve("reading.html"), ReadPages.reading(m.config().name(), label, rs));
                System.err.println("wrote " + out.resolve("reading.html") + " and " + out.resolve("reading.json"));
            }
        }
        return 0;
    }

    private ObjectNode json(Model m, List<Projection.Reading> rs) {
        ObjectNode doc = new ObjectMapper().createObjectNode();
        doc.put("model", m.config().name());
        doc.put("vector", vector.vector.toString());
        doc.put("layer", layer);
        doc.put("hook", rs.getFirst().point().name());
        doc.put("centered", center);
        ArrayNode arr = doc.putArray("readings");
        for (Projection.Reading r : rs) {
            ObjectNode o = arr.addObject();
            o.put("text", r.text());
            o.put("mean", r.mean(true));
            ArrayNode toks = o.putArray("tokens");
            for (int i = 0; i < r.tokens().length; i++) {
                ObjectNode t = toks.addObject();
                t.put("position", i);
                t.put("id", r.tokens()[i]);
                t.put("text", r.pieces()[i]);
                t.put("projection", r.scores()[i]);
            }
        }
        return doc;
    }

    private static String bar(double v, List<Projection.Reading> rs) {
        double max = 1e-9;
        for (Projection.Reading r : rs) for (int i = 1; i < r.scores().length; i++) max = Math.max(max, Math.abs(r.scores()[i]));
        int n = (int) Math.round(Math.min(1, Math.abs(v) / max) * 20);
        return (v < 0 ? "-" : "+").repeat(n);
    }
}
