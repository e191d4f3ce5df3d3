package dev.steer4j.tokenizer;

import dev.steer4j.format.gguf.GGUFValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerErrorsTest {
    private static TokenizerException fails(Path dir, java.util.function.Consumer<dev.steer4j.format.gguf.GGUFWriter> meta) {
        return assertThrows(TokenizerException.class, () -> TokenizerTestSupport.build(dir, meta));
    }

    private static void assertMentions(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), () -> "message '" + e.getMessage() + "' should mention '" + p + "'");
    }

    @Test
    void missingModel(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"a"})));
        assertMentions(e, "tokenizer.ggml.model", "missing");
    }

    @Test
    void unknownModel(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> {
            w.putString("tokenizer.ggml.model", "bert");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"a"}));
        });
        assertMentions(e, "tokenizer.ggml.model", "'bert'", "llama", "gpt2");
    }

    @Test
    void missingTokens(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> w.putString("tokenizer.ggml.model", "llama"));
        assertMentions(e, "tokenizer.ggml.tokens", "missing");
    }

    @Test
    void scoresLengthMismatch(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"<unk>", "<s>", "</s>", "a"}));
            w.put("tokenizer.ggml.scores", GGUFValue.ofFloats(new float[]{0, 0, 0}));
        });
        assertMentions(e, "tokenizer.ggml.scores", "3", "4");
    }

    @Test
    void tokenTypeLengthMismatch(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"<unk>", "<s>", "</s>", "a"}));
            w.put("tokenizer.ggml.token_type", GGUFValue.ofInts(dev.steer4j.format.gguf.GGUFValueType.INT32, new long[]{2, 3}));
        });
        assertMentions(e, "tokenizer.ggml.token_type", "2", "4");
    }

    @Test
    void wrongValueType(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            w.putString("tokenizer.ggml.tokens", "not an array");
        });
        assertMentions(e, "tokenizer.ggml.tokens");
    }

    @Test
    void bpeWithoutMerges(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> {
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "qwen2");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"a"}));
        });
        assertMentions(e, "tokenizer.ggml.merges", "missing");
    }

    @Test
    void unknownPreTokenizer(@TempDir Path dir) {
        TokenizerException e = fails(dir, w -> {
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "klingon");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"a"}));
            w.put("tokenizer.ggml.merges", GGUFValue.ofStrings(new String[0]));
        });
        assertMentions(e, "tokenizer.ggml.pre", "klingon");
    }

    @Test
    void minimalVocabularyWorksWithoutScoresOrTypes(@TempDir Path dir) {
        Tokenizer t = TokenizerTestSupport.build(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"<unk>", "<s>", "</s>", "▁a"}));
        });
        assertArrayEquals(new int[]{1, 3}, t.encode("a"));
        // without token types nothing is a control token, so BOS decodes as its text
        assertEquals("<s> a", t.decode(new int[]{1, 3}));
        // a missing byte token with an unknown token present falls back to it
        assertArrayEquals(new int[]{1, 3, 0}, t.encode("ab"));
    }

    @Test
    void outOfRangeSpecialIdsAreIgnored(@TempDir Path dir) {
        Tokenizer t = TokenizerTestSupport.build(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"<unk>", "<s>", "</s>", "▁a"}));
            w.putUInt32("tokenizer.ggml.bos_token_id", 4294967295L);
            w.putUInt32("tokenizer.ggml.eos_token_id", 99);
        });
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
    }

    @Test
    void noBosToAdd(@TempDir Path dir) {
        Tokenizer t = TokenizerTestSupport.build(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(new String[]{"▁a"}));
        });
        assertEquals(-1, t.bos());
        assertFalse(t.addBosByDefault());
        assertArrayEquals(new int[]{0}, t.encode("a"));
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("a", true, false));
        assertMentions(e, "BOS");
    }
}
