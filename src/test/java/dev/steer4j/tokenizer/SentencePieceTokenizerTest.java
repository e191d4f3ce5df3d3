package dev.steer4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.steer4j.tokenizer.TokenizerTestSupport.pieces;
import static org.junit.jupiter.api.Assertions.*;

class SentencePieceTokenizerTest {
    record Case(String text, int[] tokens) {}

    static Tokenizer tok;
    static List<Case> cases;

    @BeforeAll
    static void load() throws IOException {
        tok = TokenizerTestSupport.stories260K();
        JsonNode root = new ObjectMapper().readTree(TokenizerTestSupport.TOKENIZE_JSON.toFile());
        assertTrue(root.get("add_bos").asBoolean());
        cases = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            int[] t = new int[c.get("tokens").size()];
            for (int i = 0; i < t.length; i++) t[i] = c.get("tokens").get(i).asInt();
            cases.add(new Case(c.get("text").asText(), t));
        }
        assertEquals(10, cases.size());
    }

    @Test
    void metadata() {
        assertInstanceOf(SentencePieceTokenizer.class, tok);
        assertEquals(512, tok.vocabSize());
        assertEquals(1, tok.bos());
        assertEquals(2, tok.eos());
        assertTrue(tok.addBosByDefault());
        assertFalse(tok.addEosByDefault());
        assertEquals(0, ((SentencePieceTokenizer) tok).unk());
        assertTrue(tok.isControl(1));
        assertTrue(tok.isControl(2));
        assertFalse(tok.isControl(403));
        assertTrue(tok.isEndOfGeneration(2));
        assertFalse(tok.isEndOfGeneration(1));
        assertFalse(tok.isEndOfGeneration(403));
        assertEquals(403, tok.tokenId("▁Once"));
        assertEquals(-1, tok.tokenId("no such token"));
        assertEquals("▁Once", tok.piece(403));
        assertEquals("<0xE6>", tok.piece(233));
        assertNull(tok.chatTemplate());
    }

    @Test
    void matchesLlamaCppOnEveryOracleCase() {
        for (Case c : cases) {
            assertArrayEquals(c.tokens(), tok.encode(c.text()), () -> "encode(\"" + c.text() + "\")");
            assertArrayEquals(c.tokens(), tok.encode(c.text(), true, false), () -> "encode(\"" + c.text() + "\", bos, no special)");
        }
    }

    @Test
    void withoutBos() {
        for (Case c : cases) {
            int[] want = java.util.Arrays.copyOfRange(c.tokens(), 1, c.tokens().length);
            assertArrayEquals(want, tok.encode(c.text(), false, false), c.text());
        }
        assertArrayEquals(new int[0], tok.encode("", false, false));
        assertArrayEquals(new int[]{1, 403, 407, 261, 378, 2}, tok.encode("Once upon a time", true, true, false));
    }

    @Test
    void decodeGivesBackTheText() {
        for (Case c : cases) {
            assertEquals(c.text(), tok.decode(c.tokens()), "decode of " + c.text());
            int[] noBos = java.util.Arrays.copyOfRange(c.tokens(), 1, c.tokens().length);
            assertEquals(c.text(), tok.decode(noBos), "decode without BOS of " + c.text());
        }
    }

    @Test
    void llamaCppDetokenizeKeepsTheSpaceAfterBos() {
        int[] ids = {1, 403, 407, 261, 378};
        // llama_detokenize strips the space prefix only when the text does not start with BOS
        assertEquals(" Once upon a time", tok.decode(ids, false, false));
        assertEquals(" Once upon a time", tok.decode(ids, true, false));
        assertEquals("<s> Once upon a time", tok.decode(ids, false, true));
        assertEquals("Once upon a time", tok.decode(new int[]{403, 407, 261, 378}, false, false));
    }

    @Test
    void tokenBytes() {
        assertArrayEquals(" Once".getBytes(java.nio.charset.StandardCharsets.UTF_8), tok.tokenBytes(403));
        assertArrayEquals(new byte[]{(byte) 0xE6}, tok.tokenBytes(233));
        assertArrayEquals(new byte[]{'\n'}, tok.tokenBytes(13));
        assertArrayEquals(new byte[0], tok.tokenBytes(1));
        assertArrayEquals(new byte[0], tok.tokenBytes(0));
        assertArrayEquals("<s>".getBytes(), tok.tokenBytes(1, true));
        assertThrows(IndexOutOfBoundsException.class, () -> tok.tokenBytes(512));
        assertThrows(IndexOutOfBoundsException.class, () -> tok.piece(-1));
    }

    @Test
    void streamingTheUnicodeCaseNeverBreaksACharacter() {
        Case c = cases.stream().filter(x -> x.text().startsWith("Unicode")).findFirst().orElseThrow();
        StreamDecoder d = tok.streamDecoder();
        StringBuilder sb = new StringBuilder();
        List<String> parts = new ArrayList<>();
        for (int id : c.tokens()) {
            String s = d.accept(id);
            assertFalse(s.contains("\uFFFD"), () -> "broken character after token " + id);
            parts.add(s);
            sb.append(s);
        }
        assertFalse(d.hasPending());
        sb.append(d.flush());
        // the stream does not strip the space prefix: it continues whatever came before
        assertEquals(" " + c.text(), sb.toString());
        // 日 is <0xE6><0x97><0xA5>: nothing until the third byte
        int at = indexOf(c.tokens(), new int[]{233, 154, 168});
        assertEquals("", parts.get(at));
        assertEquals("", parts.get(at + 1));
        assertEquals("日", parts.get(at + 2));
        // 🙂 is four byte tokens
        int emoji = indexOf(c.tokens(), new int[]{243, 162, 156, 133});
        assertEquals(List.of("", "", "", "🙂"), parts.subList(emoji, emoji + 4));
    }

    @Test
    void streamingEveryCaseConcatenatesToTheText() {
        for (Case c : cases) {
            StreamDecoder d = tok.streamDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : c.tokens()) sb.append(d.accept(id));
            sb.append(d.flush());
            assertEquals(c.text().isEmpty() ? "" : " " + c.text(), sb.toString());
        }
    }

    @Test
    void parseSpecial() {
        // with parse_special the control token text becomes the token, and the next fragment gets a space prefix
        assertArrayEquals(new int[]{1, 1, 403}, tok.encode("<s>Once", true, true));
        assertArrayEquals(new int[]{1, 403, 2}, tok.encode("Once</s>", true, true));
        // without it, "<s>" is plain text
        int[] plain = tok.encode("<s>Once", true, false);
        assertEquals(1, plain[0]);
        for (int i = 1; i < plain.length; i++) assertNotEquals(1, plain[i]);
        assertEquals("<s>Once", tok.decode(plain));
    }

    @Test
    void longTextIsFast() {
        String story = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
                + "One day, she saw a big red ball. \"Can I play?\" she asked her mom. 日本語 🙂 café!\n";
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 10_000) sb.append(story);
        String text = sb.toString();
        int[] ids = tok.encode(text); // warm-up
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) ids = tok.encode(text);
        long ms = (System.nanoTime() - t0) / 5_000_000;
        assertTrue(ms < 500, "encoding " + text.length() + " chars took " + ms + " ms");
        assertEquals(text, tok.decode(ids));
        // ten times longer stays near-linear
        String big = text.repeat(10);
        long t1 = System.nanoTime();
        int[] bigIds = tok.encode(big);
        long bigMs = (System.nanoTime() - t1) / 1_000_000;
        assertTrue(bigMs < 5_000, "encoding " + big.length() + " chars took " + bigMs + " ms");
        assertEquals(big, tok.decode(bigIds));
    }

    // ---- synthetic SentencePiece vocabularies ----

    static Tokenizer spm(Path dir, float scoreSpaceA, float scoreAB, boolean addSpacePrefix) {
        TokenizerTestSupport.VocabBuilder v = new TokenizerTestSupport.VocabBuilder();
        v.add("<unk>", Vocab.TYPE_UNKNOWN);
        v.add("<s>", Vocab.TYPE_CONTROL);
        v.add("</s>", Vocab.TYPE_CONTROL);
        v.add("<0x0A>", Vocab.TYPE_BYTE);
        v.add("▁", Vocab.TYPE_NORMAL, -5);
        v.add("a", Vocab.TYPE_NORMAL, -6);
        v.add("b", Vocab.TYPE_NORMAL, -7);
        v.add("▁a", Vocab.TYPE_NORMAL, scoreSpaceA);
        v.add("ab", Vocab.TYPE_NORMAL, scoreAB);
        v.add("<tool>", Vocab.TYPE_USER_DEFINED);
        v.add("<|im_end|>", Vocab.TYPE_CONTROL);
        v.add("<unused0>", Vocab.TYPE_UNUSED);
        return TokenizerTestSupport.build(dir, w -> {
            w.putString("tokenizer.ggml.model", "llama");
            v.putInto(w, true);
            if (!addSpacePrefix) w.putBool("tokenizer.ggml.add_space_prefix", false);
        });
    }

    @Test
    void highestScoringPairMergesFirst(@TempDir Path dir) {
        Tokenizer t1 = spm(dir, -1, -2, true);
        assertEquals(List.of("▁a", "b"), pieces(t1, t1.encode("ab", false, false)));
        Tokenizer t2 = spm(dir, -2, -1, true);
        assertEquals(List.of("▁", "ab"), pieces(t2, t2.encode("ab", false, false)));
        // equal scores: the leftmost pair wins
        Tokenizer t3 = spm(dir, -1, -1, true);
        assertEquals(List.of("▁a", "b"), pieces(t3, t3.encode("ab", false, false)));
    }

    @Test
    void userDefinedTokensAreAlwaysSplitOut(@TempDir Path dir) {
        Tokenizer t = spm(dir, -1, -2, true);
        // the fragment after a special token gets the space prefix again
        assertEquals(List.of("▁a", "<tool>", "▁", "b"), pieces(t, t.encode("a<tool>b", false, false)));
        assertEquals(List.of("▁a", "<tool>", "▁", "b"), pieces(t, t.encode("a<tool>b", false, true)));
        // control tokens only with parseSpecial
        assertEquals(List.of("▁a", "<|im_end|>"), pieces(t, t.encode("a<|im_end|>", false, true)));
        assertFalse(pieces(t, t.encode("a<|im_end|>", false, false)).contains("<|im_end|>"));
        assertTrue(t.isEndOfGeneration(t.tokenId("<|im_end|>")));
        assertTrue(t.isControl(t.tokenId("<|im_end|>")));
        // user-defined tokens decode to their text, control tokens to nothing
        assertEquals("a<tool> b", t.decode(t.encode("a<tool>b", true, false)));
        assertEquals("", t.decode(new int[]{t.tokenId("<unused0>")}));
    }

    @Test
    void byteFallbackAndUnknown(@TempDir Path dir) {
        Tokenizer t = spm(dir, -1, -2, true);
        // '\n' has a byte token; 'x' has none, so it becomes <unk>
        assertEquals(List.of("▁a", "<0x0A>", "b"), pieces(t, t.encode("a\nb", false, false)));
        assertEquals(List.of("▁a", "<unk>", "b"), pieces(t, t.encode("axb", false, false)));
        assertEquals(List.of("▁a", "<unk>", "<unk>", "b"), pieces(t, t.encode("aéb", false, false)));
        assertEquals("a\nb", t.decode(t.encode("a\nb", false, false)));
    }

    @Test
    void addSpacePrefixOff(@TempDir Path dir) {
        Tokenizer t = spm(dir, -1, -2, false);
        assertEquals(List.of("ab"), pieces(t, t.encode("ab", false, false)));
        assertEquals(List.of("ab", "▁a"), pieces(t, t.encode("ab a", false, false)));
        assertEquals("ab a", t.decode(t.encode("ab a", false, false)));
        assertEquals(" a", t.decode(t.encode(" a", false, false)));
    }

    private static int indexOf(int[] a, int[] sub) {
        outer:
        for (int i = 0; i + sub.length <= a.length; i++) {
            for (int j = 0; j < sub.length; j++) if (a[i + j] != sub[j]) continue outer;
            return i;
        }
        throw new AssertionError("subsequence not found");
    }
}
