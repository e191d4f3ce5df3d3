package dev.steer4j.model;

import dev.steer4j.util.Text;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders chat messages into a prompt with the model's Jinja chat template ({@code tokenizer.chat_template}), run by
 * Jinjava with Hugging Face's settings ({@code trim_blocks}, {@code lstrip_blocks}, {@code raise_exception},
 * {@code bos_token}, {@code eos_token}, {@code add_generation_prompt = true}).
 *
 * <p>Used by the server's chat endpoint and by the A/B evaluation, so both render a model's conversations the same
 * way. A template that fails raises {@link ChatTemplateException} with Jinja's reason.
 *
 * <p><b>Plain fallback</b> (models without a template, such as the bundled stories260K): the contents of the messages
 * joined with newlines, with no role markers, so a base model simply continues the conversation's text.
 */
public final class ChatTemplate {
    /** A chat message: role (system, user, assistant, tool) and text. */
    public record Message(String role, String content) {}

    /** The documented plain fallback, itself a Jinja template. */
    public static final String PLAIN = "{% for m in messages %}{{ m.content }}{% if not loop.last %}{{ '\\n' }}{% endif %}{% endfor %}";

    private static final Jinjava JINJAVA = newJinjava();

    private final String template;
    private final boolean fallback;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String template, boolean fallback, String bosToken, String eosToken) {
        this.template = template;
        this.fallback = fallback;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The model's template, {@code override} when given, else the plain fallback. */
    public static ChatTemplate forTokenizer(Tokenizer tok, String override) {
        String bos = tok.bos() >= 0 ? tok.piece(tok.bos()) : "";
        String eos = tok.eos() >= 0 ? tok.piece(tok.eos()) : "";
        String t = override != null ? override : tok.chatTemplate();
        if (t == null || t.isBlank()) return new ChatTemplate(PLAIN, true, bos, eos);
        return new ChatTemplate(t, false, bos, eos);
    }

    public static ChatTemplate of(String template, String bosToken, String eosToken) {
        return new ChatTemplate(template, false, bosToken, eosToken);
    }

    public boolean isFallback() { return fallback; }
    public String source() { return template; }
    public String bosToken() { return bosToken; }

    /** A template that could not render the conversation (or rejected it with {@code raise_exception}). */
    public static final class ChatTemplateException extends IllegalArgumentException {
        public ChatTemplateException(String message) { super(message); }
    }

    /** Renders the messages and the generation prompt of the assistant's turn. */
    public String render(List<Message> messages) {
        List<Map<String, Object>> ms = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("role", m.role());
            x.put("content", m.content());
            ms.add(x);
        }
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", ms);
        ctx.put("add_generation_prompt", true);
        ctx.put("bos_token", bosToken);
        ctx.put("eos_token", eosToken);
        RenderResult r;
        try {
            r = JINJAVA.renderForResult(template, ctx);
        } catch (RuntimeException e) {
            throw new ChatTemplateException("the chat template failed: " + Text.rootMessage(e));
        }
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL)
                throw new ChatTemplateException("the chat template failed at line " + e.getLineno() + ": "
                        + (e.getException() != null ? Text.rootMessage(e.getException()) : e.getMessage()));
        }
        return r.getOutput();
    }


    /** Hugging Face templates call {@code raise_exception('...')} to reject a conversation. */
    public static String raiseException(String message) {
        throw new IllegalArgumentException(message);
    }

    private static Jinjava newJinjava() {
        Jinjava j = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withMaxOutputSize(16L << 20).withFailOnUnknownTokens(false).build());
        j.registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        return j;
    }
}
