package dev.steer4j.serve;

import dev.steer4j.model.ChatTemplate;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The request limits of a completion, checked without HTTP: prompt length, max_tokens, the context, token ids. */
class CompletionHandlerTest {
    @TempDir
    static Path dir;
    static Model model;

    @BeforeAll
    static void load() {
        model = ServeTestSupport.model();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static CompletionHandler handler(ServeOptions o) {
        ServedModel s = new ServedModel(model, "stories260K", ChatTemplate.forTokenizer(model.tokenizer(), null), o,
                new VectorLibrary(dir, model), null, 0);
        return new CompletionHandler(s, List.of());
    }

    static GenerationJob prepare(CompletionHandler h, String body) throws Exception {
        return h.prepare(ServeRequest.parse(ServeTestSupport.JSON.readTree(body), false));
    }

    static ApiException refused(CompletionHandler h, String body) {
        return assertThrows(ApiException.class, () -> prepare(h, body));
    }

    @Test
    void limitsNameTheLimit() throws Exception {
        CompletionHandler h = handler(ServeTestSupport.options(dir).withMaxPromptTokens(4).withMaxTokens(20));
        // "Once upon a time" is 5 tokens with BOS
        ApiException longPrompt = refused(h, "{\"prompt\": \"Once upon a time\"}");
        assertEquals("the prompt is 5 tokens, over the limit of 4 tokens (max_prompt_tokens)", longPrompt.getMessage());
        assertEquals("prompt_too_long", longPrompt.code());
        ApiException many = refused(h, "{\"prompt\": \"Once\", \"max_tokens\": 21}");
        assertEquals("'max_tokens' is 21, over the server's limit of 20 (max_tokens limit)", many.getMessage());
        ApiException ids = refused(h, "{\"prompt\": [1, 512]}");
        assertEquals("'prompt[1]' = 512 is not a token id (the vocabulary has ids 0-511)", ids.getMessage());
        GenerationJob job = prepare(h, "{\"prompt\": \"Once\", \"max_tokens\": 20}");
        assertEquals(20, job.config.maxTokens());
        assertEquals(2, job.prompt.length);
        // without max_tokens, a completion gets 16 tokens
        assertEquals(16, prepare(h, "{\"prompt\": \"Once\"}").config.maxTokens());
    }

    @Test
    void theContextBoundsPromptAndGeneration() throws Exception {
        int ctx = model.config().contextLength();
        CompletionHandler h = handler(ServeTestSupport.options(dir).withMaxPromptTokens(1 << 20).withMaxTokens(1 << 20));
        ApiException over = refused(h, "{\"prompt\": \"Once\", \"max_tokens\": " + (ctx - 1) + "}");
        assertEquals("the prompt (2 tokens) plus 'max_tokens' (" + (ctx - 1) + ") is over the model's context length of " + ctx + " tokens", over.getMessage());
        assertEquals("context_length_exceeded", over.code());
        assertEquals(ctx - 2, prepare(h, "{\"prompt\": \"Once\", \"max_tokens\": " + (ctx - 2) + "}").config.maxTokens());
    }

    @Test
    void steeringIsAttachedAndEchoed() throws Exception {
        java.nio.file.Files.copy(dev.steer4j.testutil.Fixtures.resource("reference/stories260K/cvec-2.gguf"), dir.resolve("c2.gguf"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CompletionHandler h = handler(ServeTestSupport.options(dir));
        GenerationJob job = prepare(h, "{\"prompt\": \"Once\", \"clamp\": [{\"vector\": \"c2\", \"value\": 1}], \"keep_norm\": true}");
        assertNotNull(job.steering);
        assertEquals("{clamp=[{vector=c2, value=1.0, layers=[2], positions=all}], keep_norm=true}", job.echo.toString());
        job.steering.close();
        ApiException locked = assertThrows(ApiException.class, () -> handler(ServeTestSupport.options(dir).withClientSteering(false))
                .checkAllowed(ServeRequest.parse(ServeTestSupport.JSON.readTree("{\"prompt\": \"x\", \"clamp\": [{\"vector\": \"c2\", \"value\": 1}]}"), false)));
        assertEquals(403, locked.status());
        assertEquals("clamp", locked.param());
    }
}
