package dev.steer4j.eval;

import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.GenerationResult;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;

import java.util.ArrayList;
import java.util.List;

/**
 * Open-ended evaluation: completions of a prompt set under one steering setting, optionally scored by a {@link Judge}
 * (AxBench concept / instruction / fluency, 0–2 each, and a CAA-style 0–10 behaviour score).
 */
public final class OpenEval {
    /** One completion and, when judged, its scores. */
    public record Completion(String prompt, String text, Judge.Scores scores) {}

    /** The completions of one setting and the mean of each score (NaN when not judged). */
    public record Result(List<Completion> completions, Judge.Scores mean) {}

    private final Generator generator;
    private final List<String> prompts;
    private final GenerationConfig generation;
    private final PromptFormat format;

    public OpenEval(Generator generator, List<String> prompts, GenerationConfig generation, PromptFormat format) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("the open-ended prompt set is empty");
        this.generator = generator;
        this.prompts = List.copyOf(prompts);
        this.generation = generation;
        this.format = format.resolve(generator.model().tokenizer());
    }

    public List<String> prompts() { return prompts; }

    /** Generates every prompt's completion under {@code steering}. */
    public List<Completion> generate(Steering steering) {
        var tok = generator.model().tokenizer();
        List<Completion> out = new ArrayList<>();
        for (String p : prompts) {
            String text = format == PromptFormat.CHAT ? PromptFormat.chat(tok, p) : p;
            int[] ids = format.encode(tok, text);
            SequenceState seq = new SequenceState(generator.model());
            GenerationResult r;
            try (Steering.Applied a = steering.applyTo(seq)) {
                r = generator.generate(seq, ids, generation, null);
            }
            out.add(new Completion(p, r.text(), null));
        }
        return out;
    }

    /** Scores completions with the judge; {@code concept} / {@code behaviour} may be null to skip those scores. */
    public static Result judge(List<Completion> completions, Judge judge, String concept, String behaviour) {
        List<Completion> scored = new ArrayList<>();
        for (Completion c : completions) {
            Judge.Scores s = judge == null ? null : judge.scoreAll(concept, behaviour, c.prompt(), c.text());
            scored.add(new Completion(c.prompt(), c.text(), s));
        }
        return new Result(scored, mean(scored));
    }

    static Judge.Scores mean(List<Completion> cs) {
        double c = 0, i = 0, f = 0, b = 0;
        int n = 0;
        for (Completion x : cs) {
            if (x.scores() == null) continue;
            c += x.scores().concept();
            i += x.scores().instruction();
            f += x.scores().fluency();
            b += x.scores().behaviour();
            n++;
        }
        if (n == 0) return new Judge.Scores(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        return new Judge.Scores(c / n, i / n, f / n, b / n);
    }
}
