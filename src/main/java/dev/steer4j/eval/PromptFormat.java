package dev.steer4j.eval;

import dev.steer4j.model.ChatTemplate;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How an eval question becomes the text the model sees before its answer.
 * <ul>
 * <li>{@link #CHAT}: the model's own chat template ({@code tokenizer.chat_template}, rendered by Jinjava with Hugging
 *     Face's conventions) with the question as the user turn and the assistant turn opened;</li>
 * <li>{@link #PLAIN}: for models without a template. A multiple-choice item (its answers are choice labels such as
 *     {@code (A)}) becomes {@code "<question>\n\nAnswer: "}; any other item is a continuation, so the question is used
 *     as it is;</li>
 * <li>{@link #RAW}: the question as it is;</li>
 * <li>{@link #AUTO}: {@link #CHAT} when the model has a template, else {@link #PLAIN}.</li>
 * </ul>
 */
public enum PromptFormat {
    AUTO, CHAT, PLAIN, RAW;

    private static final Pattern CHOICE = Pattern.compile("\\s*\\(?[A-Za-z0-9]\\)?\\s*");
    /** The format actually used for a tokenizer ({@link #AUTO} resolved). */
    public PromptFormat resolve(Tokenizer tok) {
        if (this != AUTO) {
            if (this == CHAT && (tok.chatTemplate() == null || tok.chatTemplate().isBlank()))
                throw new IllegalArgumentException("the model has no chat template (tokenizer.chat_template); use --template plain or raw");
            return this;
        }
        return tok.chatTemplate() != null && !tok.chatTemplate().isBlank() ? CHAT : PLAIN;
    }

    /** True when both answers are choice labels such as {@code (A)}, {@code B} or {@code (1)}. */
    public static boolean isChoice(String a, String b) {
        return CHOICE.matcher(a).matches() && CHOICE.matcher(b).matches();
    }

    /** The text before the answer; {@code answers} decides PLAIN's multiple-choice form. */
    public String prompt(Tokenizer tok, String question, String answerA, String answerB) {
        return switch (resolve(tok)) {
            case CHAT -> chat(tok, question);
            case PLAIN -> isChoice(answerA, answerB) ? question + "\n\nAnswer: " : question;
            case RAW -> question;
            case AUTO -> throw new AssertionError();
        };
    }

    /** The question as the user turn of the model's chat template, with the assistant turn opened. */
    public static String chat(Tokenizer tok, String question) {
        try {
            return ChatTemplate.forTokenizer(tok, null).render(List.of(new ChatTemplate.Message("user", question)));
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new IllegalArgumentException("the model's " + e.getMessage() + " (use --template plain to bypass it)");
        }
    }

    /**
     * Tokenises a prompt built by this format: a chat prompt already holds its special tokens as text (BOS included
     * when the template writes it), so they are parsed and BOS is added only when missing.
     */
    public int[] encode(Tokenizer tok, String text) {
        if (resolve(tok) == CHAT) {
            String bos = tok.bos() >= 0 ? tok.piece(tok.bos()) : null;
            boolean addBos = tok.addBosByDefault() && (bos == null || !text.startsWith(bos));
            return tok.encode(text, addBos, true);
        }
        return tok.encode(text);
    }
}
