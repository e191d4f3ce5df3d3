package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.DatasetFormat;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.data.RepengTemplate;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.ExtractionResult;
import dev.steer4j.steer.extract.LayerSeparation;
import dev.steer4j.steer.extract.Method;
import dev.steer4j.steer.extract.ProgressListener;
import dev.steer4j.steer.extract.ReadPosition;
import dev.steer4j.util.LayerList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code steer4j extract}: a steering vector from contrastive data, with a per-layer separation table. */
@Command(name = "extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Extract a steering vector from contrastive examples.",
                "Runs every prompt once, reads the chosen hook site at the chosen layers and read position, and prints "
                        + "for every layer how well the direction separates the examples (AUROC of the projections, and the "
                        + "difference of the class means in pooled standard deviations)."})
public final class ExtractCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE",
            description = "Contrastive data: pairs JSONL, CAA A/B JSON, repeng spec/suffix list, or the positive prompt list")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "pairs, caa, repeng or lists (default: lists with --negative, else pairs)")
    String format;

    @Option(names = "--negative", paramLabel = "FILE", description = "The negative prompt list (format lists)")
    Path negative;

    @Option(names = "--method", defaultValue = "mean", paramLabel = "METHOD",
            description = "actadd, mean, pca-diff, pca-center or probe (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Layers, e.g. 2, 1-4, 1,3 or all (default: 1 to the last layer; llama.cpp control vectors have no layer 0)")
    LayerList layers;

    @Option(names = "--site", defaultValue = "resid_post", paramLabel = "SITE",
            description = "Hook site: resid_pre, attn_out, resid_mid, mlp_out, resid_post, or a full name like blocks.2.hook_mlp_out (default: ${DEFAULT-VALUE})")
    String site;

    @Option(names = "--read", paramLabel = "POS",
            description = "Read position: last, mean, answer or diff (default: answer for caa, diff for actadd, else last)")
    String read;

    @Option(names = "--pair", paramLabel = "N", description = "actadd: which pair of the dataset to use (0-based)")
    Integer pair;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N positive and N negative prompts")
    Integer limit;

    @Option(names = "--l2", defaultValue = "0.01", paramLabel = "LAMBDA", description = "probe: L2 strength on standardised features (default: ${DEFAULT-VALUE})")
    double l2;

    @Option(names = "--unit", description = "Write unit-norm directions (default: mean/actadd keep the raw difference; PCA and probe are scaled to the class-mean distance)")
    boolean unit;

    @Option(names = "--template", paramLabel = "TEXT", description = "repeng: persona template with {persona} (default: \"" + RepengTemplate.DEFAULT_TEMPLATE + "\")")
    String template;

    @Option(names = "--positive-persona", paramLabel = "WORD", description = "repeng: positive persona (repeatable), with a suffix list as --data")
    List<String> positivePersonas;

    @Option(names = "--negative-persona", paramLabel = "WORD", description = "repeng: negative persona (repeatable)")
    List<String> negativePersonas;

    @Option(names = "--expand-suffixes", description = "repeng: also use every word prefix of each suffix")
    boolean expandSuffixes;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the vector: .gguf (llama.cpp control vector) or .json")
    Path output;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar or header on stderr")
    boolean quiet;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Method m = Method.parse(method);
        DatasetFormat f = format != null ? DatasetFormat.parse(format) : negative != null ? DatasetFormat.LISTS : DatasetFormat.PAIRS;
        if (output != null && !isGguf(output) && !isJson(output))
            throw new IllegalArgumentException("output " + output + " must end in .gguf (llama.cpp control vector) or .json");
        RepengTemplate rt = null;
        if (positivePersonas != null || negativePersonas != null) {
            if (f != DatasetFormat.REPENG) throw new IllegalArgumentException("--positive-persona/--negative-persona are for --format repeng");
            rt = new RepengTemplate(template != null ? template : RepengTemplate.DEFAULT_TEMPLATE,
                    positivePersonas == null ? List.of() : positivePersonas,
                    negativePersonas == null ? List.of() : negativePersonas, "", "", expandSuffixes);
        }
        ContrastiveDataset ds = Datasets.load(f, data, negative, rt);
        if (limit != null) ds = ds.limit(limit);
        try (Model mdl = model.load()) {
            int n = mdl.config().layers();
            int[] ls;
            String siteName = site.trim();
            if (layers != null) ls = LayerListConverter.within(layers, n, "--layers").resolve(n);
            else if (siteName.startsWith("blocks.")) ls = new int[]{HookPoint.parse(siteName).checkLayer(n).layer()};
            else ls = n > 1 ? java.util.stream.IntStream.range(1, n).toArray() : new int[]{0};
            Extraction.Builder b = Extraction.builder(mdl).method(m).layers(ls).site(siteName).l2(l2).unit(unit);
            if (read != null) b.read(ReadPosition.parse(read));
            if (pair != null) b.pair(pair);
            if (output != null && isGguf(output) && ls[0] == 0)
                throw new IllegalArgumentException("layer 0 cannot be written to a llama.cpp control vector (direction.0 is invalid); choose layers from 1, or write .json");

            if (!quiet) System.err.println("extract: " + m.id + " on " + ds.name() + " (" + ds.positives().size() + " positive, "
                    + ds.negatives().size() + " negative prompts, format " + ds.format() + ") at " + Extraction.formatLayers(ls)
                    + " " + Extraction.siteName(Extraction.parseSite(siteName)) + ", model " + mdl.config().name());
            ProgressBar bar = quiet ? null : new ProgressBar("extract prompts", "prompts");
            ExtractionResult r;
            try {
                r = b.run(ds, bar == null ? ProgressListener.NONE : (done, total) -> bar.update(done, total, null));
            } finally {
                if (bar != null) bar.close();
            }

            VectorMetadata md = r.vector().metadata();
            out.println("method " + md.method() + ", site " + md.site() + ", read " + md.readPosition() + ", dataset "
                    + md.dataset() + " (sha256 " + md.datasetHash().substring(0, 12) + "...)");
            out.print(r.table());
            LayerSeparation best = r.best();
            out.printf(Locale.ROOT, "best layer: %d (auroc %.4f, d %s sd)%n", best.layer(), best.auroc(),
                    Double.isInfinite(best.standardizedDifference()) ? "inf" : String.format(Locale.ROOT, "%.3f", best.standardizedDifference()));
            if (output != null) {
                VectorFiles.write(output, r.vector());
                out.println("wrote " + output);
            }
        }
        return 0;
    }

    private static boolean isGguf(Path p) { return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"); }
    private static boolean isJson(Path p) { return p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json"); }
}
