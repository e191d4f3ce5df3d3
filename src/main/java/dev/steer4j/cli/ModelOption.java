package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.model.hf.HfDownloader;
import dev.steer4j.model.hf.HfHubCache;
import dev.steer4j.model.hf.HfRepoRef;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code --model} option shared by every command: a GGUF file, a Hugging Face model directory (or its
 * {@code model.safetensors} / shard index), or {@code hf:ORG/NAME[@REVISION]} from the hub cache, fetched first with
 * {@code --download}, and {@code -t/--threads}. The model defaults to the bundled stories260K.
 */
public final class ModelOption {
    /** The environment the hub variables are read from (tests replace it). */
    static Map<String, String> environment = System.getenv();

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "GGUF file, Hugging Face directory (config.json + safetensors + tokenizer.json) or its "
                    + "model.safetensors, or hf:ORG/NAME[@REVISION] from the HF cache (default: the bundled stories260K)")
    String model;

    @Option(names = "--download",
            description = "With --model hf:ORG/NAME: fetch what is missing from the hub into the HF cache first "
                    + "(HF_TOKEN, HF_ENDPOINT, HF_HUB_CACHE / HF_HOME)")
    boolean download;

    private Path resolved;

    @Mixin ThreadsOption threads;

    /** The worker threads asked for with {@code -t/--threads}, or the number of cores. */
    public int threads() {
        return threads.threads();
    }

    public Path path() {
        threads.threads(); // validates -t/--threads
        if (resolved != null) return resolved;
        return resolved = resolve(model, download);
    }

    /** The path a {@code --model} value names (null: the bundled model); {@code hf:} references are resolved. */
    static Path resolve(String model, boolean download) {
        if (model == null) return BundledModel.path();
        if (!HfRepoRef.isRef(model)) return Path.of(model);
        HfRepoRef ref = HfRepoRef.parse(model);
        if (!download) return HfHubCache.fromEnvironment(environment).resolve(ref);
        Map<String, ProgressBar> bars = new HashMap<>();
        HfDownloader d = HfDownloader.fromEnvironment(environment, (file, done, total) -> {
            if (total < 1 << 20) return; // small files need no bar
            bars.computeIfAbsent(file, f -> new ProgressBar("download " + f + " (KiB)")).update(done >> 10, total >> 10, null);
        });
        try {
            return d.download(ref);
        } finally {
            bars.values().forEach(ProgressBar::close);
        }
    }

    public Model load() {
        Model m = Model.load(path());
        printWarnings(m.warnings());
        return m;
    }

    /** A model's or file's warnings on stderr, one {@code steer4j: warning: ...} line each (escaped: they quote the file). */
    static void printWarnings(java.util.List<String> warnings) {
        for (String w : warnings) System.err.println("steer4j: warning: " + dev.steer4j.util.SafeText.message(w));
    }
}
