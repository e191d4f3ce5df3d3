package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.read.ActivationCapture;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code steer4j capture}: stream activations of a dataset to .npy files. */
@Command(name = "capture", mixinStandardHelpOptions = true,
        description = {"Stream activations at hook points for every prompt of a dataset to disk, one prompt at a time (memory-bounded).",
                "Writes <hook>.npy (float32 [rows, n_embd]), tokens.npy, prompt_index.npy, position.npy (int32 [rows]), prompts.jsonl and metadata.json; numpy.load reads them."})
public final class CaptureCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE", description = "Prompts: .txt (one per line), .jsonl or .json (strings or objects with text/prompt/question/instruction)")
    Path data;

    @Option(names = "--hooks", required = true, split = ",", paramLabel = "HOOK", description = "Hook points, comma separated, e.g. blocks.2.hook_resid_post,blocks.3.hook_mlp_out")
    List<String> hooks;

    @Option(names = "--positions", paramLabel = "WHICH", defaultValue = "all", description = "Rows kept per prompt: all or last (default: ${DEFAULT-VALUE})")
    String positions;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "0", description = "Cut prompts to this many tokens (default: the model's context; longer prompts are an error)")
    int maxTokens;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output directory")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress line")
    boolean quiet;

    @Override
    public Integer call() {
        ActivationCapture.Positions pos;
        try {
            pos = ActivationCapture.Positions.valueOf(positions.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--positions must be all or last, not '" + positions + "'");
        }
        List<HookPoint> points = new ArrayList<>();
        for (String h : hooks) points.add(HookPoint.parse(h));
        try (Model m = model.load(); PromptFile.Source src = PromptFile.open(data)) {
            ProgressBar bar = new ProgressBar("capture", "prompts");
            ActivationCapture.Result r;
            try {
                r = ActivationCapture.capture(new ForwardPass(m), src, points, pos, maxTokens, out, quiet ? dev.steer4j.read.Progress.NONE : bar);
            } finally {
                bar.close();
            }
            System.out.printf("captured %d prompts, %d tokens, %d rows × %d at %d hook point(s) into %s%n", r.prompts(), r.tokens(), r.rows(),
                    m.config().dim(), points.size(), out);
            for (var e : r.files().entrySet()) System.out.printf("  %-28s %s%n", e.getKey(), e.getValue().getFileName());
        }
        return 0;
    }
}
