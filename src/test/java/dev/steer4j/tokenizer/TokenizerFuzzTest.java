package dev.steer4j.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as text for every tokenizer kind: SentencePiece (stories260K), byte-level BPE under each
 * pre-tokenizer regex, and a Hugging Face tokenizer.json. The first byte picks the tokenizer and the flags, the rest
 * is decoded as UTF-8 (invalid sequences become U+FFFD, as a request body would). Encoding must not throw, every id
 * must be in the vocabulary, and decoding (whole and streamed) must not throw.
 */
class TokenizerFuzzTest {
    private static final List<Tokenizer> TOKENIZERS = new ArrayList<>();

    static {
        try {
            Path dir = Files.createTempDirectory("tokfuzz");
            TOKENIZERS.add(TokenizerTestSupport.stories260K());
            for (String pre : new String[]{null, "llama3", "qwen2", "gpt-2", "starcoder", "falcon", "deepseek-coder", "bloom", "viking"})
                TOKENIZERS.add(BpeTokenizerTest.bpe(dir, pre));
            TOKENIZERS.add(Tokenizer.fromHuggingFaceJson(Path.of("src/test/resources/tokenizer/tinystories-656k/tokenizer.json")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FuzzTest
    void tokenize(byte[] input) {
        if (input.length == 0) return;
        int sel = input[0] & 0xff;
        Tokenizer t = TOKENIZERS.get(sel % TOKENIZERS.size());
        boolean parseSpecial = (sel & 0x40) != 0, addBos = (sel & 0x80) != 0;
        String text = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        int[] ids = t.encode(text, addBos, false, parseSpecial);
        for (int id : ids) assertTrue(id >= 0 && id < t.vocabSize(), "token id " + id + " outside the vocabulary of " + t.vocabSize());
        t.decode(ids);
        t.decode(ids, true, true);
        StreamDecoder d = new StreamDecoder(t, parseSpecial);
        for (int id : ids) d.accept(id);
        d.flush();
    }
}
