package dev.steer4j.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Real chat templates (as shipped in GGUF files) rendered by Jinjava, and the plain fallback. */
class ChatTemplateTest {
    static final List<ChatTemplate.Message> CHAT = List.of(
            new ChatTemplate.Message("system", "Be brief."),
            new ChatTemplate.Message("user", "Hi!"),
            new ChatTemplate.Message("assistant", "Hello."),
            new ChatTemplate.Message("user", "Tell me a story."));

    /** Qwen2's ChatML template, verbatim from its tokenizer_config.json. */
    static final String CHATML = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** Llama 2 chat's template, verbatim (uses raise_exception, bos_token, eos_token, .strip()). */
    static final String LLAMA2 = "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}";

    @Test
    void chatml() {
        String out = ChatTemplate.of(CHATML, "", "<|endoftext|>").render(CHAT);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
                + "<|im_start|>user\nTell me a story.<|im_end|>\n<|im_start|>assistant\n", out);
        String noSystem = ChatTemplate.of(CHATML, "", "").render(List.of(new ChatTemplate.Message("user", "Hi")));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", noSystem);
    }

    @Test
    void llama2WithSystemPromptAndRaiseException() {
        String out = ChatTemplate.of(LLAMA2, "<s>", "</s>").render(CHAT);
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi! [/INST] Hello. </s><s>[INST] Tell me a story. [/INST]", out);
        ChatTemplate.ChatTemplateException e = assertThrows(ChatTemplate.ChatTemplateException.class, () -> ChatTemplate.of(LLAMA2, "<s>", "</s>")
                .render(List.of(new ChatTemplate.Message("assistant", "x"))));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void plainFallbackJoinsContents() {
        ChatTemplate t = ChatTemplate.of(ChatTemplate.PLAIN, "<s>", "</s>");
        assertEquals("Be brief.\nHi!\nHello.\nTell me a story.", t.render(CHAT));
        assertEquals("Once upon a time", t.render(List.of(new ChatTemplate.Message("user", "Once upon a time"))));
    }
}
