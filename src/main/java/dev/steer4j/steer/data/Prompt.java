package dev.steer4j.steer.data;

/**
 * One prompt of a contrastive dataset.
 *
 * @param text      the prompt text (the tokenizer adds BOS)
 * @param answerEnd character offset just past the answer token's text (the answer letter of a CAA A/B prompt), or
 *                  -1 when the prompt has no marked answer
 * @param line      the 1-based line of the dataset file the prompt comes from, or -1 when unknown (for messages)
 */
public record Prompt(String text, int answerEnd, int line) {
    public Prompt(String text, int answerEnd) { this(text, answerEnd, -1); }

    public Prompt {
        if (text == null) throw new IllegalArgumentException("prompt text is null");
        if (answerEnd < -1 || answerEnd > text.length())
            throw new IllegalArgumentException("answer end " + answerEnd + " lies outside the prompt (length " + text.length() + ")");
    }

    public static Prompt of(String text) { return new Prompt(text, -1); }

    /** A prompt without a marked answer, from a line of a file. */
    public static Prompt of(String text, int line) { return new Prompt(text, -1, line); }

    /** The same prompt, noted as coming from {@code line}. */
    public Prompt atLine(int line) { return new Prompt(text, answerEnd, line); }

    public boolean hasAnswer() { return answerEnd >= 0; }
}
