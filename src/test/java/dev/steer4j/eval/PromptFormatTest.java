package dev.steer4j.eval;

import dev.steer4j.model.Model;
import dev.steer4j.testutil.Fixtures;
import dev.steer4j.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class PromptFormatTest {
    /** The bundled tokenizer with a chat template added. */
    static Tokenizer withTemplate(Tokenizer base, String template) {
        return (Tokenizer) Proxy.newProxyInstance(Tokenizer.class.getClassLoader(), new Class<?>[]{Tokenizer.class}, (p, m, a) -> {
            if (m.getName().equals("chatTemplate")) return template;
            try {
                return m.invoke(base, a);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    static final String CHATML = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
            + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    @Test
    void plainTemplateForModelsWithoutOne() {
        try (Model m = Model.load(Fixtures.stories260K())) {
            Tokenizer tok = m.tokenizer();
            assertEquals(PromptFormat.PLAIN, PromptFormat.AUTO.resolve(tok));
            assertEquals("Q?\n (A) x\n (B) y\n\nAnswer: ", PromptFormat.AUTO.prompt(tok, "Q?\n (A) x\n (B) y", "(A)", "(B)"));
            assertEquals("She was", PromptFormat.AUTO.prompt(tok, "She was", " happy", " sad"));
            assertEquals("She was", PromptFormat.RAW.prompt(tok, "She was", "(A)", "(B)"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptFormat.CHAT.resolve(tok));
            assertEquals("the model has no chat template (tokenizer.chat_template); use --template plain or raw", e.getMessage());
        }
    }

    @Test
    void chatTemplateIsRenderedWithJinja() {
        try (Model m = Model.load(Fixtures.stories260K())) {
            Tokenizer tok = withTemplate(m.tokenizer(), CHATML);
            assertEquals(PromptFormat.CHAT, PromptFormat.AUTO.resolve(tok));
            assertEquals("<|im_start|>user\nIs it?<|im_end|>\n<|im_start|>assistant\n", PromptFormat.AUTO.prompt(tok, "Is it?", "(A)", "(B)"));
            Tokenizer bosTemplate = withTemplate(m.tokenizer(), "{{ bos_token }}[INST] {{ messages[0]['content'] }} [/INST]");
            String p = PromptFormat.CHAT.prompt(bosTemplate, "Hi", "(A)", "(B)");
            assertEquals("<s>[INST] Hi [/INST]", p);
            int[] ids = PromptFormat.CHAT.encode(bosTemplate, p);
            assertEquals(1, ids[0]);
            assertNotEquals(1, ids[1], "BOS written by the template is not added a second time");
            Tokenizer raising = withTemplate(m.tokenizer(), "{{ raise_exception('Conversation roles must alternate') }}");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromptFormat.CHAT.prompt(raising, "Hi", "a", "b"));
            assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
            assertTrue(e.getMessage().endsWith("(use --template plain to bypass it)"), e.getMessage());
        }
    }

    @Test
    void gridParsing() {
        assertEquals(List.of(-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0), Grid.coefficients("-2:2:0.5"));
        assertEquals(List.of(0.0, 0.1, 0.2, 0.3), Grid.coefficients("0:0.3:0.1"));
        assertEquals(List.of(-1.0, 0.0, 2.5), Grid.coefficients("-1, 0, 2.5"));
        assertEquals("-0.5", Grid.format(-0.5));
        assertEquals("2", Grid.format(2.0));
        assertEquals("cannot read coefficients '-2:x:1': use start:stop:step (e.g. -2:2:0.5) or a list (e.g. -1,0,1)",
                assertThrows(IllegalArgumentException.class, () -> Grid.coefficients("-2:x:1")).getMessage());
        assertEquals("coefficient step 0 must be positive", assertThrows(IllegalArgumentException.class, () -> Grid.coefficients("0:1:0")).getMessage());
    }
}
