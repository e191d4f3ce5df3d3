package dev.steer4j.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Expected splits are derived by hand from the regular expressions (leftmost alternative wins, backtracking). */
class PreTokenizerTest {
    static final PreTokenizer LLAMA3 = PreTokenizer.forName("llama-bpe");
    static final PreTokenizer QWEN2 = PreTokenizer.forName("qwen2");
    static final PreTokenizer GPT2 = PreTokenizer.forName("gpt-2");
    static final PreTokenizer SMOLLM = PreTokenizer.forName("smollm");
    static final PreTokenizer DEFAULT = PreTokenizer.forName(null);

    @Test
    void names() {
        assertEquals(PreTokenizer.Type.LLAMA3, PreTokenizer.Type.forName("llama3"));
        assertEquals(PreTokenizer.Type.LLAMA3, PreTokenizer.Type.forName("llama-bpe"));
        assertEquals(PreTokenizer.Type.QWEN2, PreTokenizer.Type.forName("qwen2"));
        assertEquals(PreTokenizer.Type.STARCODER, PreTokenizer.Type.forName("smollm"));
        assertEquals(PreTokenizer.Type.DEFAULT, PreTokenizer.Type.forName("default"));
        assertEquals(PreTokenizer.Type.DEFAULT, PreTokenizer.Type.forName(""));
        TokenizerException e = assertThrows(TokenizerException.class, () -> PreTokenizer.Type.forName("klingon"));
        assertTrue(e.getMessage().contains("tokenizer.ggml.pre") && e.getMessage().contains("klingon") && e.getMessage().contains("qwen2"), e.getMessage());
    }

    @Test
    void llama3Contractions() {
        assertEquals(List.of("I", "'ve", " ", "123", "45", " apples", "'s"), LLAMA3.split("I've 12345 apples's"));
        // case-insensitive contractions
        assertEquals(List.of("DON", "'T", " WE", "'LL", " it", "'S"), LLAMA3.split("DON'T WE'LL it'S"));
        assertEquals(List.of("Hello", ",", " world", "!\n\n", "How", "'s", " it", " going", "?", " ", " Fine", "."),
                LLAMA3.split("Hello, world!\n\nHow's it going?  Fine."));
    }

    @Test
    void gpt2ContractionsAreCaseSensitive() {
        assertEquals(List.of("DON", "'", "T", " don", "'t"), GPT2.split("DON'T don't"));
        assertEquals(List.of("Hello", " world", "'s", " 123", " ", " abc", "\n"), GPT2.split("Hello world's 123  abc\n"));
        // a newline before a letter matches nothing and stays a piece of its own
        assertEquals(List.of("a", "\n", "b"), GPT2.split("a\nb"));
    }

    @Test
    void numbers() {
        assertEquals(List.of("123", "456", "7"), LLAMA3.split("1234567"));
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7"), QWEN2.split("1234567"));
        assertEquals(List.of("x", "=", "100", "00", ";"), LLAMA3.split("x=10000;"));
        assertEquals(List.of("x", "=", "1", "0", "0", "0", "0", ";"), QWEN2.split("x=10000;"));
        // Unicode digits are \p{N}
        assertEquals(List.of("٣٤٥", "٦"), LLAMA3.split("٣٤٥٦"));
        assertEquals(List.of(" 12345"), GPT2.split(" 12345"));
    }

    @Test
    void whitespace() {
        assertEquals(List.of("a", "  ", " b"), LLAMA3.split("a   b"));
        assertEquals(List.of("a", "\n\n", "b"), LLAMA3.split("a\n\nb"));
        assertEquals(List.of("a", " \n", " ", " b"), LLAMA3.split("a \n  b"));
        assertEquals(List.of("line", "1", "\n", " ", " line", "2"), LLAMA3.split("line1\n  line2"));
        assertEquals(List.of("hi", "  "), LLAMA3.split("hi  "));
        assertEquals(List.of("\t", "\tfoo"), LLAMA3.split("\t\tfoo"));
        assertEquals(List.of("a", " \r\n", "b"), QWEN2.split("a \r\nb"));
        // non-ASCII White_Space counts as \s (Java's own \s would not)
        assertEquals(List.of("a", "\u00A0", "\u00A0b"), LLAMA3.split("a\u00A0\u00A0b"));
        assertEquals(List.of("a", "\u3000b"), LLAMA3.split("a\u3000b"));
        assertEquals(List.of("x", "\u2003\u2003"), QWEN2.split("x\u2003\u2003"));
    }

    @Test
    void emojiAndSymbols() {
        assertEquals(List.of("I", " 🙂", " you"), LLAMA3.split("I 🙂 you"));
        assertEquals(List.of("🙂🙂", "x"), LLAMA3.split("🙂🙂x"));
        assertEquals(List.of("a", "🙂x"), LLAMA3.split("a🙂x"));
        assertEquals(List.of("日本語は", "、test"), QWEN2.split("日本語は、test"));
        assertEquals(List.of("café", " naïve"), QWEN2.split("café naïve"));
        assertEquals(List.of("{\"", "a", "\":", " [", "1", ",", "2", "]}\n"), QWEN2.split("{\"a\": [1,2]}\n"));
    }

    @Test
    void multiStagePreTokenizers() {
        // smollm: digits are split out first, then the GPT-2 expression runs inside each piece
        assertEquals(List.of("abc", " ", "1", "2", "3"), SMOLLM.split("abc 123"));
        // default: punctuation runs first, then GPT-2, then digit runs
        assertEquals(List.of("Hello", ",", " world", "!!"), DEFAULT.split("Hello, world!!"));
        assertEquals(List.of(), LLAMA3.split(""));
    }

    @Test
    void piecesCoverTheText() {
        String s = "Mixed: 'quotes' \"dq\" 1,234.56 — em\u2014dash\r\n\ttabs  and 🙂🙂 ü\u0301 ";
        for (PreTokenizer p : List.of(LLAMA3, QWEN2, GPT2, SMOLLM, DEFAULT))
            assertEquals(s, String.join("", p.split(s)), p.toString());
    }
}
