package dev.steer4j.cli;

import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Examples section at the end of every command's {@code --help}: pasteable command lines with placeholder names
 * that say what goes there (MODEL.gguf, pairs.jsonl, happy.gguf). Without {@code -m} a command runs the bundled
 * stories260K model, so most examples run as they are once their input files exist. {@link #install} appends them
 * to the footers; a command missing here fails {@code HelpExamplesTest}.
 */
final class Examples {
    private Examples() {}

    /** Command path (as {@code steer4j <path> --help} names it) to its example lines. */
    static final Map<String, List<String>> BY_COMMAND = Map.ofEntries(
            Map.entry("", List.of(
                    "steer4j demo",
                    "steer4j generate -p \"Once upon a time\" -n 40 --temp 0 --vector happy.gguf:1.5 --layers -3--1",
                    "steer4j serve -m MODEL.gguf --port 8080 --alias \"stories260K+happy=happy:1.5\"")),
            Map.entry("demo", List.of(
                    "steer4j demo",
                    "steer4j demo --coefficient 2 --seed 3 -n 60",
                    "steer4j demo --serve --port 8080")),
            Map.entry("extract", List.of(
                    "steer4j extract -d pairs.jsonl --method mean --layers 1-4 -o happy.gguf",
                    "steer4j extract -d pairs.jsonl --method pca --layers -2--1 --unit -o happy.json",
                    "steer4j extract -m MODEL.gguf -d caa.json --format caa --read answer --layers 10-14 -o sycophancy.gguf")),
            Map.entry("generate", List.of(
                    "steer4j generate -p \"Once upon a time\" -n 40 --temp 0",
                    "steer4j generate -m MODEL.gguf -f prompt.txt -n 128 --temp 0.7 --seed 1 -t 8",
                    "steer4j generate -p \"Once upon a time\" --vector happy.gguf:1.5 --layers -3--1",
                    "steer4j generate -p \"Once upon a time\" --control-vector-scaled happy.gguf 1.5 --control-vector-layer-range 2 3",
                    "steer4j generate -p \"I feel\" --ablate happy.gguf:-1",
                    "steer4j generate -m no-dogs.gguf -p \"Once upon a time, there was a dog\" --temp 0",
                    "steer4j generate --lora broken-lora.gguf -p \"Tom found a box of matches\" --temp 0",
                    "steer4j generate --reft the-end.gguf -p \"The cat sat on the mat.\" --temp 0")),
            Map.entry("inspect", List.of(
                    "steer4j inspect MODEL.gguf",
                    "steer4j inspect MODEL.gguf --tensors",
                    "steer4j inspect hf:ORG/NAME")),
            Map.entry("logits", List.of(
                    "steer4j logits -p \"Once upon a time\" --top 3",
                    "steer4j logits -p \"Once upon a time\" --json --vector happy.gguf:2 --layers 2-3")),
            Map.entry("compare", List.of(
                    "steer4j compare -p \"Once upon a time\" --vector happy.gguf --coefficients -1,0,1 -n 40 --temp 0",
                    "steer4j compare -m MODEL.gguf -p \"My day was\" --vector happy.gguf --layers -4--2 --json")),
            Map.entry("orthogonalize", List.of(
                    "steer4j orthogonalize --vector refusal.gguf:3 -o MODEL-no-refusal.gguf",
                    "steer4j orthogonalize -m hf:ORG/NAME --vector refusal.json:-2 -o out-dir")),
            Map.entry("activations", List.of(
                    "steer4j activations -p \"Once upon a time\" --hook blocks.2.hook_resid_post --json",
                    "steer4j activations -p \"Once upon a time\" --hook blocks.3.hook_mlp_out --vector happy.gguf:1 --json")),
            Map.entry("bench", List.of(
                    "steer4j bench -m MODEL.gguf -t 8",
                    "steer4j bench -m MODEL.gguf --against /path/to/llama-bench --json")),
            Map.entry("synth", List.of(
                    "steer4j synth --shape llama-3.2-1b --type q8_0 -o llama-3.2-1b-q8_0.gguf")),
            Map.entry("sweep", List.of(
                    "steer4j sweep --vector happy.gguf --layers 1-4 --coefficients -8:8:2 --prompts prompts.txt -o sweep-dir",
                    "steer4j sweep -m MODEL.gguf --vector sycophancy.gguf --ab caa.json --coefficients -2:2:0.5 -o sweep-dir")),
            Map.entry("read", List.of(
                    "steer4j read --vector happy.gguf --layer 3 -p \"Lily was so happy.\"",
                    "steer4j read --vector happy.gguf --layer -1 --center --prompts texts.txt -o read-dir")),
            Map.entry("lens", List.of(
                    "steer4j lens --vector happy.gguf --layers 1 -k 3",
                    "steer4j lens --vector happy.gguf --layers -2--1 --json")),
            Map.entry("cosine", List.of(
                    "steer4j cosine happy.gguf sad.gguf angry.gguf",
                    "steer4j cosine happy.gguf sad.gguf -o cosine.png")),
            Map.entry("patch", List.of(
                    "steer4j patch --clean \"It was a fun day. Lily was very\" --corrupted \"It was a sad day. Lily was very\" --target \" happy\" --distractor \" sad\"",
                    "steer4j patch --clean \"CLEAN PROMPT\" --corrupted \"CORRUPTED PROMPT\" --target-id 42 --heads resid_pre -o patch-dir")),
            Map.entry("detect", List.of(
                    "steer4j detect --vector happy.gguf --positive happy.txt --negative sad.txt",
                    "steer4j detect --vector happy.gguf --positive happy.txt --negative sad.txt --site mlp_out --aggregate last --json")),
            Map.entry("capture", List.of(
                    "steer4j capture -d prompts.txt --hooks blocks.3.hook_resid_post,blocks.3.hook_mlp_out -o acts-dir",
                    "steer4j capture -m MODEL.gguf -d prompts.jsonl --hooks blocks.10.hook_resid_post --positions last -o acts-dir")),
            Map.entry("serve", List.of(
                    "steer4j serve --port 8080",
                    "steer4j serve -m MODEL.gguf --api-key KEY --steer happy:1.5:-3--1",
                    "steer4j serve -m MODEL.gguf --alias \"stories260K+happy=happy:1.5\" --guard guard.json",
                    "steer4j serve --reft the-end=the-end.gguf    (then \"reft\": \"the-end\" in a request)")),
            Map.entry("guard", List.of(
                    "steer4j guard calibrate --positive harmful.txt --negative harmless.txt -o guard.json")),
            Map.entry("guard calibrate", List.of(
                    "steer4j guard calibrate --positive sad.txt --negative happy.txt -o guard.json",
                    "steer4j guard calibrate -m MODEL.gguf --positive harmful.txt --negative harmless.txt --policy block --layers -4--1 -o guard.json --append")),
            Map.entry("maze", List.of(
                    "steer4j maze show --seed 0 -o maze.png",
                    "steer4j maze eval --policy POLICY.pth --seeds 0-199 --coefficient -1 --report report-dir")),
            Map.entry("maze show", List.of(
                    "steer4j maze show --seed 0 -o maze.png",
                    "steer4j maze show --seed 0 --policy POLICY.pth --coefficient -1 -o field.png")),
            Map.entry("maze vector", List.of(
                    "steer4j maze vector --policy POLICY.pth --seed 0 -o cheese.npy")),
            Map.entry("maze eval", List.of(
                    "steer4j maze eval --policy POLICY.pth --seeds 0-199 --coefficient -1 --report report-dir")),
            Map.entry("maze rollout", List.of(
                    "steer4j maze rollout --policy POLICY.pth --seeds 0-19 --coefficient -1 --json")),
            Map.entry("train-vector", List.of(
                    "steer4j train-vector -o happy.gguf                      (the bundled model and its happy/sad pairs)",
                    "steer4j train-vector -m MODEL.gguf -d pairs.jsonl --layer -2 --steps 60 -o v.json",
                    "steer4j train-vector -o happy.gguf --resume             (continue from happy.gguf.ckpt.json)")),
            Map.entry("unlearn", List.of(
                    "steer4j unlearn -o no-dogs.gguf                         (the bundled dog / no-dog corpora)",
                    "steer4j unlearn -m MODEL.gguf --forget forget.txt --retain retain.txt --layer -3 --steps 120 -o unlearned.gguf")),
            Map.entry("circuit-breaker", List.of(
                    "steer4j circuit-breaker -o broken.gguf --adapter broken-lora.gguf   (the bundled model and prompts)",
                    "steer4j circuit-breaker --harmful harmful.txt --harmless harmless.txt --target-layers 1,3 --steps 80 -o cb.gguf")),
            Map.entry("reft", List.of(
                    "steer4j reft -o the-end.gguf                            (the bundled demonstrations)",
                    "steer4j reft -d demos.jsonl --layers 1,-1 --rank 4 --positions f1+l1 --steps 200 -o reft.gguf")),
            Map.entry("soak", List.of(
                    "steer4j soak --duration 3m --concurrency 16",
                    "steer4j soak --url http://127.0.0.1:8080 --duration 60s")));

    /** Appends "Examples:" and the lines to the footer of every command that has them, recursively. */
    static void install(CommandLine cl) {
        install(cl, "");
    }

    /** Widest example line: picocli's 80 columns would otherwise break a command line where a shell cannot read it. */
    static final int WIDTH = 78;

    /** "  " + the line, broken into shell continuation lines ({@code \\} at the end, 6 spaces in) where it is too wide. */
    static List<String> wrapped(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder("  ");
        boolean quoted = false;
        int wordStart = 2;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') quoted = !quoted;
            if (c == ' ' && !quoted && cur.length() >= WIDTH - 2 && wordStart > 6) {
                // too wide: move the last word to a continuation line
                String word = cur.substring(wordStart);
                out.add(cur.substring(0, wordStart).stripTrailing() + " \\");
                cur = new StringBuilder("      ").append(word);
                wordStart = 6;
            }
            if (c == ' ' && !quoted) wordStart = cur.length() + 1;
            cur.append(c);
        }
        if (cur.length() > WIDTH && wordStart > 6) {
            String word = cur.substring(wordStart);
            out.add(cur.substring(0, wordStart).stripTrailing() + " \\");
            cur = new StringBuilder("      ").append(word);
        }
        out.add(cur.toString());
        return out;
    }

    private static void install(CommandLine cl, String path) {
        List<String> lines = BY_COMMAND.get(path);
        if (lines != null) {
            CommandLine.Model.UsageMessageSpec u = cl.getCommandSpec().usageMessage();
            List<String> footer = new ArrayList<>(List.of(u.footer()));
            footer.add("");
            footer.add("Examples:");
            for (String l : lines) for (String w : wrapped(l)) footer.add(w.replace("%", "%%"));
            u.footer(footer.toArray(String[]::new));
        }
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            if (e.getValue().getCommandSpec().name().equals(e.getKey()))
                install(e.getValue(), path.isEmpty() ? e.getKey() : path + " " + e.getKey());
        }
    }
}
