package dev.steer4j.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static dev.steer4j.tokenizer.TokenizerTestSupport.pieces;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The TinyStories-656K tokenizer.json: BPE over a {@code ▁}-normalized text. Expected pieces follow the merge list
 * (merges are applied lowest rank first, leftmost on ties, as the tokenizers library does).
 */
class HuggingFaceTokenizerTest {
    static final Path JSON = Path.of("src/test/resources/tokenizer/tinystories-656k/tokenizer.json");
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = Tokenizer.fromHuggingFaceJson(JSON);
    }

    @Test
    void metadata() {
        assertInstanceOf(HuggingFaceBpeTokenizer.class, tok);
        assertEquals(2048, tok.vocabSize());
        assertEquals(1, tok.bos());
        assertEquals("<|start_story|>", tok.piece(1));
        assertEquals(2, tok.eos());
        assertTrue(tok.addBosByDefault());
        assertFalse(tok.addEosByDefault());
        assertTrue(tok.isEndOfGeneration(2));
        assertTrue(tok.isControl(1));
        assertEquals(80, tok.tokenId("▁"));
        assertEquals(1967, ((HuggingFaceBpeTokenizer) tok).mergeList().size());
        assertEquals(List.of("e", "▁"), List.of(((HuggingFaceBpeTokenizer) tok).mergeList().get(0)));
    }

    @Test
    void encodesWithMerges() {
        int[] ids = tok.encode("Once upon a time, there was a little girl named Lily.");
        assertEquals(1, ids[0]);
        assertEquals(List.of("<|start_story|>", "▁", "On", "ce▁", "upon▁a▁tim", "e,▁", "there▁was▁a▁", "little▁girl▁named▁", "Lily", "."),
                pieces(tok, ids));
        // every merge result is a concatenation of the text
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < ids.length; i++) sb.append(tok.piece(ids[i]));
        assertEquals("▁Once▁upon▁a▁time,▁there▁was▁a▁little▁girl▁named▁Lily.", sb.toString());
    }

    @Test
    void agreesWithANaiveMergeLoop() {
        // Reference: repeatedly merge the leftmost occurrence of the lowest-ranked adjacent pair.
        List<String[]> merges = ((HuggingFaceBpeTokenizer) tok).mergeList();
        java.util.Map<String, Integer> rank = new java.util.HashMap<>();
        for (int i = 0; i < merges.size(); i++) rank.putIfAbsent(merges.get(i)[0] + "\u0000" + merges.get(i)[1], i);
        String[] texts = {"a", "the dog", "Once upon a time, there was a little girl named Lily.",
                "One day, Tim went to the park. He saw a big dog!", "\"Can I play?\" she asked her mom.",
                "They were happy and played together all day long.\nThe end.", "xyzzy qqq  double  spaces ",
                "wanted to help his friend", "It's 12345 o'clock; $5 - fun: <ok>"};
        for (String text : texts) {
            List<String> syms = new java.util.ArrayList<>();
            String norm = "\u2581" + text.replace(' ', '\u2581');
            norm.codePoints().forEach(cp -> syms.add(new String(Character.toChars(cp))));
            while (true) {
                int best = -1, bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < syms.size(); i++) {
                    Integer r = rank.get(syms.get(i) + "\u0000" + syms.get(i + 1));
                    if (r != null && r < bestRank) { bestRank = r; best = i; }
                }
                if (best < 0) break;
                syms.set(best, syms.get(best) + syms.remove(best + 1));
            }
            assertEquals(syms, pieces(tok, tok.encode(text, false, false)), text);
        }
    }

    @Test
    void unknownCharactersAreFused() {
        int[] ids = tok.encode("日本 ok", false, false);
        assertEquals(List.of("▁", "<unk>", "▁", "ok"), pieces(tok, ids));
    }

    @Test
    void decodeAndSpecials() {
        String s = "One day, Tim went to the park. He saw a big dog!";
        assertEquals(s, tok.decode(tok.encode(s)));
        int[] special = tok.encode("<|start_story|>Once", false, true);
        assertEquals(List.of("▁", "<|start_story|>", "On", "ce"), pieces(tok, special));
        int[] plain = tok.encode("<|start_story|>Once", false, false);
        for (int id : plain) assertNotEquals(1, id);
        StreamDecoder d = tok.streamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : tok.encode(s)) sb.append(d.accept(id));
        assertEquals(" " + s, sb.toString());
    }

    @Test
    void badFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assertThrows(TokenizerException.class, () -> Tokenizer.fromHuggingFaceJson(dir.resolve("missing.json")));
        Path wordPiece = dir.resolve("tokenizer.json");
        java.nio.file.Files.writeString(wordPiece, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"a\":0}}}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromHuggingFaceJson(wordPiece));
        assertTrue(e.getMessage().contains("WordPiece"), e.getMessage());
    }
}
