package dev.steer4j.runtime;

import dev.steer4j.model.Model;
import dev.steer4j.tokenizer.StreamDecoder;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Prompt in, text out: batched prefill of the prompt, then one token at a time with the KV cache, sampling and stop
 * conditions. Hooks registered on the sequence run during both phases.
 */
public final class Generator {
    private final Model model;
    private final Tokenizer tokenizer;
    private final ForwardPass forward;

    public Generator(Model model) {
        this(new ForwardPass(model));
    }

    public Generator(ForwardPass forward) {
        this.forward = forward;
        this.model = forward.model();
        this.tokenizer = model.tokenizer();
    }

    public ForwardPass forwardPass() { return forward; }
    public Model model() { return model; }

    /** Tokenises {@code prompt} (with BOS as the model prefers) and generates into a fresh sequence. */
    public GenerationResult generate(String prompt, GenerationConfig cfg, TokenListener listener) {
        return generate(new SequenceState(model), tokenizer.encode(prompt), cfg, listener);
    }

    /**
     * Appends {@code prompt} to {@code seq} and generates. The prompt's positions are marked as prompt on the
     * sequence before the prefill, so position-dependent hooks see it.
     */
    public GenerationResult generate(SequenceState seq, int[] prompt, GenerationConfig cfg, TokenListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt is empty (no tokens)");
        int vocab = model.config().vocabSize();
        long t0 = System.nanoTime();
        seq.setPromptLength(seq.position() + prompt.length);
        float[] logits = prefill(seq, prompt);
        int lastRow = 0;
        long t1 = System.nanoTime();

        Sampler sampler = new Sampler(cfg, vocab);
        StreamDecoder decoder = tokenizer.streamDecoder();
        StopStrings stops = new StopStrings(cfg.stop());
        int[] out = new int[Math.max(16, cfg.maxTokens())];
        int n = 0;
        FinishReason reason = FinishReason.LENGTH;
        int[] one = new int[1];
        java.util.List<TokenLogprob> logprobs = cfg.logprobs() >= 0 ? new java.util.ArrayList<>() : null;
        while (n < cfg.maxTokens()) {
            int next = sampler.sample(logits, lastRow * vocab, seq.tokenBuffer(), seq.position());
            if (cfg.stopAtEos() && tokenizer.isEndOfGeneration(next)) {
                reason = FinishReason.STOP;
                break;
            }
            out[n++] = next;
            if (logprobs != null) logprobs.add(sampler.lastLogprob());
            String piece = decoder.accept(next);
            String emit = stops.accept(piece);
            if (stops.stopped()) {
                if (listener != null && !emit.isEmpty()) listener.onToken(next, emit);
                reason = FinishReason.STOP;
                break;
            }
            if (listener != null && !listener.onToken(next, emit)) {
                reason = FinishReason.CANCELLED;
                break;
            }
            if (n >= cfg.maxTokens()) break;
            if (seq.position() >= seq.maxTokens()) break;
            one[0] = next;
            logits = forward.forward(seq, one, false);
            lastRow = 0;
        }
        if (reason != FinishReason.STOP || !stops.stopped()) {
            String tail = stops.flush(decoder.flush());
            if (listener != null && !tail.isEmpty()) listener.onToken(-1, tail);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(prompt, Arrays.copyOf(out, n), stops.text(), reason, t1 - t0, t2 - t1, logprobs);
    }

    /** Runs the prompt in chunks; returns the logits of its last token (row 0 of the returned buffer). */
    public float[] prefill(SequenceState seq, int[] prompt) {
        float[] logits = null;
        for (int from = 0; from < prompt.length; from += ForwardPass.PREFILL_CHUNK) {
            int count = Math.min(ForwardPass.PREFILL_CHUNK, prompt.length - from);
            Batch b = new Batch();
            b.add(seq, prompt, from, count, false);
            forward.forward(b, seq.workspace());
            logits = seq.workspace().logits();
        }
        return logits;
    }
}
