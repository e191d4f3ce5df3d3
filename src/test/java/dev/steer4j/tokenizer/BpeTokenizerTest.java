package dev.steer4j.tokenizer;

import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static dev.steer4j.tokenizer.TokenizerTestSupport.pieces;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Byte-level BPE on a small hand-made vocabulary: the 256 byte characters (ids 0-255, in byte order), one token per
 * merge (ids from 256, in merge order), a whole-word token no merge reaches, and special tokens.
 */
class BpeTokenizerTest {
    static final String[] MERGES = {
            "Ġ t", "h e", "Ġt he", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld",
            "b c", "a b", "a a", "1 2", "12 3", "' s", "Ċ Ċ",
    };

    static Tokenizer bpe(Path dir, String pre, Consumer<GGUFWriter> extra) {
        TokenizerTestSupport.VocabBuilder v = new TokenizerTestSupport.VocabBuilder();
        for (int b = 0; b < 256; b++) v.add(String.valueOf(ByteLevel.encode(b)), Vocab.TYPE_NORMAL);
        for (String m : MERGES) v.add(m.replace(" ", ""), Vocab.TYPE_NORMAL);
        v.add("xyz", Vocab.TYPE_NORMAL);
        v.add("<|begin_of_text|>", Vocab.TYPE_CONTROL);
        v.add("<|end_of_text|>", Vocab.TYPE_CONTROL);
        v.add("<|eot_id|>", Vocab.TYPE_CONTROL);
        v.add("<|im_start|>", Vocab.TYPE_CONTROL);
        v.add("<|im_end|>", Vocab.TYPE_CONTROL);
        v.add("<tool>", Vocab.TYPE_USER_DEFINED);
        return TokenizerTestSupport.build(dir, w -> {
            w.putString("tokenizer.ggml.model", "gpt2");
            if (pre != null) w.putString("tokenizer.ggml.pre", pre);
            v.putInto(w, false);
            w.put("tokenizer.ggml.merges", GGUFValue.ofStrings(MERGES));
            w.putUInt32("tokenizer.ggml.bos_token_id", v.tokens.indexOf("<|begin_of_text|>"));
            w.putUInt32("tokenizer.ggml.eos_token_id", v.tokens.indexOf("<|end_of_text|>"));
            extra.accept(w);
        });
    }

    static Tokenizer bpe(Path dir, String pre) {
        return bpe(dir, pre, w -> {});
    }

    static List<String> enc(Tokenizer t, String text) {
        return pieces(t, t.encode(text, false, false));
    }

    @Test
    void byteLevelMapping() {
        assertEquals('Ġ', ByteLevel.encode(' '));
        assertEquals('Ċ', ByteLevel.encode('\n'));
        assertEquals('!', ByteLevel.encode('!'));
        assertEquals('Ā', ByteLevel.encode(0));
        assertEquals("Ã©", ByteLevel.encode("é"));
        for (int b = 0; b < 256; b++) assertEquals(b, ByteLevel.decode(ByteLevel.encode(b)));
        assertEquals(-1, ByteLevel.decode('a' + 0x10000));
    }

    @Test
    void mergesApplyByRank(@TempDir Path dir) {
        Tokenizer t = bpe(dir, "llama-bpe");
        assertInstanceOf(BpeTokenizer.class, t);
        assertEquals(List.of("hello", "Ġworld"), enc(t, "hello world"));
        assertEquals(List.of("Ġthe"), enc(t, " the"));
        // "the" at the start has no Ġ, so "Ġt he" never applies
        assertEquals(List.of("t", "he", "Ġ", "hello"), enc(t, "the hello"));
        // "b c" has a lower rank than "a b"
        assertEquals(List.of("a", "bc"), enc(t, "abc"));
        // equal ranks: leftmost first
        assertEquals(List.of("aa", "a"), enc(t, "aaa"));
        assertEquals(List.of("aa", "aa"), enc(t, "aaaa"));
        assertEquals(List.of("ĊĊ"), enc(t, "\n\n"));
        // ids: bytes first, then merges in order
        int[] ids = t.encode("hello world", false, false);
        assertArrayEquals(new int[]{256 + 5, 256 + 10}, ids);
    }

    @Test
    void bytesAndDecoding(@TempDir Path dir) {
        Tokenizer t = bpe(dir, "llama-bpe");
        assertEquals(List.of("Ã", "©"), enc(t, "é"));
        assertEquals(List.of("ð", "Ł", "Ļ", "Ĥ"), enc(t, "🙂"));
        for (String s : new String[]{"hello world", "é", "🙂 日本語\n\n  x", "It's 12345!"})
            assertEquals(s, t.decode(t.encode(s, false, false)), s);
        assertArrayEquals(new byte[]{(byte) 0xC3}, t.tokenBytes(t.tokenId("Ã")));
        assertArrayEquals(" world".getBytes(StandardCharsets.UTF_8), t.tokenBytes(t.tokenId("Ġworld")));
        // byte-level pieces stream without broken characters
        StreamDecoder d = t.streamDecoder();
        List<String> out = new ArrayList<>();
        for (int id : t.encode("a🙂", false, false)) out.add(d.accept(id));
        assertEquals(List.of("a", "", "", "", "🙂"), out);
    }

    @Test
    void numbersSplitByPreTokenizer(@TempDir Path dir) {
        Tokenizer llama3 = bpe(dir, "llama-bpe");
        assertEquals(List.of("123", "4", "5"), enc(llama3, "12345"));
        Tokenizer qwen2 = bpe(dir, "qwen2");
        assertEquals(List.of("1", "2", "3", "4", "5"), enc(qwen2, "12345"));
    }

    @Test
    void ignoreMergesOnlyForLlama3(@TempDir Path dir) {
        assertEquals(List.of("xyz"), enc(bpe(dir, "llama-bpe"), "xyz"));
        assertEquals(List.of("x", "y", "z"), enc(bpe(dir, "qwen2"), "xyz"));
        assertEquals(List.of("x", "y", "z"), enc(bpe(dir, "gpt-2"), "xyz"));
    }

    @Test
    void specialTokens(@TempDir Path dir) {
        Tokenizer t = bpe(dir, "qwen2");
        int start = t.tokenId("<|im_start|>"), end = t.tokenId("<|im_end|>"), tool = t.tokenId("<tool>");
        int[] ids = t.encode("<|im_start|>hello<|im_end|>", false, true);
        assertArrayEquals(new int[]{start, t.tokenId("hello"), end}, ids);
        int[] plain = t.encode("<|im_start|>hello<|im_end|>", false, false);
        for (int id : plain) {
            assertNotEquals(start, id);
            assertNotEquals(end, id);
        }
        assertEquals("<", t.piece(plain[0]));
        // user-defined tokens are split out either way
        assertArrayEquals(new int[]{t.tokenId("a"), tool, t.tokenId("b")}, t.encode("a<tool>b", false, false));
        // decoding: control tokens give nothing unless asked for
        assertEquals("hello", t.decode(ids));
        assertEquals("<|im_start|>hello<|im_end|>", t.decode(ids, false, true));
        assertArrayEquals(new byte[0], t.tokenBytes(start));
        assertArrayEquals("<|im_start|>".getBytes(StandardCharsets.UTF_8), t.tokenBytes(start, true));
        StreamDecoder d = new StreamDecoder(t, true);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(d.accept(id));
        assertEquals("<|im_start|>hello<|im_end|>", sb.toString());
    }

    @Test
    void endOfGeneration(@TempDir Path dir) {
        Tokenizer t = bpe(dir, "llama-bpe");
        assertTrue(t.isEndOfGeneration(t.eos()));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|eot_id|>")));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|im_end|>")));
        assertFalse(t.isEndOfGeneration(t.bos()));
        assertFalse(t.isEndOfGeneration(t.tokenId("<|im_start|>")));
        assertFalse(t.isEndOfGeneration(t.tokenId("hello")));
        assertFalse(t.isEndOfGeneration(-1));
        assertTrue(t.isControl(t.tokenId("<|im_start|>")));
        assertFalse(t.isControl(t.tokenId("<tool>")));
        // an explicit eot_token_id is end-of-generation too
        Tokenizer t2 = bpe(dir, "llama-bpe", w -> w.putUInt32("tokenizer.ggml.eot_token_id", 256));
        assertTrue(t2.isEndOfGeneration(256));
    }

    @Test
    void bosDefaultsFollowTheModel(@TempDir Path dir) {
        Tokenizer llama3 = bpe(dir, "llama-bpe");
        assertTrue(llama3.addBosByDefault());
        assertEquals(llama3.tokenId("<|begin_of_text|>"), llama3.bos());
        assertArrayEquals(new int[]{llama3.bos(), 256 + 5}, llama3.encode("hello"));
        Tokenizer qwen2 = bpe(dir, "qwen2");
        assertFalse(qwen2.addBosByDefault());
        assertArrayEquals(new int[]{256 + 5}, qwen2.encode("hello"));
        Tokenizer forced = bpe(dir, "qwen2", w -> {
            w.putBool("tokenizer.ggml.add_bos_token", true);
            w.putBool("tokenizer.ggml.add_eos_token", true);
        });
        assertArrayEquals(new int[]{forced.bos(), 256 + 5, forced.eos()}, forced.encode("hello"));
        assertEquals("chat {{x}}", bpe(dir, "qwen2", w -> w.putString("tokenizer.chat_template", "chat {{x}}")).chatTemplate());
    }

    @Test
    void cleanSpacesOnlyWhereTheModelAsks(@TempDir Path dir) {
        Tokenizer gpt2 = bpe(dir, "gpt-2");
        assertEquals(" hello. it's", gpt2.decode(gpt2.encode(" hello . it 's", false, false)));
        Tokenizer qwen2 = bpe(dir, "qwen2");
        assertEquals(" hello . it 's", qwen2.decode(qwen2.encode(" hello . it 's", false, false)));
    }

    @Test
    void cleanSpacesPasses() {
        assertEquals("a, b. c! d? e", clean("a , b . c ! d ? e"));
        assertEquals("don't'", clean("don't'"));
        assertEquals("it's we're I'm they've you 'll he 'd", clean("it 's we 're I 'm they 've you 'll he 'd"));
        assertEquals("a'b", clean("a ' b"));
        assertEquals("", clean(""));
    }

    private static String clean(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return new String(b, 0, BaseTokenizer.cleanSpaces(b), StandardCharsets.UTF_8);
    }

    @Test
    void longTextIsFast(@TempDir Path dir) {
        Tokenizer t = bpe(dir, "llama-bpe");
        String text = "hello world, the 12345 aaa bc!\n\n 日本語 🙂 ".repeat(300);
        t.encode(text, false, false);
        long t0 = System.nanoTime();
        int[] ids = t.encode(text, false, false);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 500, "encoding " + text.length() + " chars took " + ms + " ms");
        assertEquals(text, t.decode(ids));
    }
}
