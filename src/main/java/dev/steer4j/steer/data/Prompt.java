package dev.steer4j.steer.data;

/**
 * One prompt of a contrastive dataset.
 *
 * @param text      the prompt text (the tokenizer adds BOS)
 * @param answerEnd character offset just past the answer token's text (the answer letter of a CAA A/B prompt), or
 *                  -1 when the prompt has no marked answer
 */
public record Prompt(String text, int answerEnd) {
    public Prompt {
        if (text == null) throw new IllegalArgumentException("prompt text is null");
        if (answerEnd < -1 || answerEnd > text.length())
            throw new IllegalArgumentException("answer end " + answerEnd + " lies outside the prompt (length " + text.length() + ")");
    }

    public static Prompt of(String text) { return new Prompt(text, -1); }

    public boolean hasAnswer() { return answerEnd >= 0; }
}
