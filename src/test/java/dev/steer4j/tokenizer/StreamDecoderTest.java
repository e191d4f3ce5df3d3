package dev.steer4j.tokenizer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class StreamDecoderTest {
    private static int complete(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return StreamDecoder.completePrefix(b, b.length);
    }

    @Test
    void completePrefix() {
        assertEquals(0, complete());
        assertEquals(1, complete('a'));
        assertEquals(1, complete('a', 0xE6));
        assertEquals(1, complete('a', 0xE6, 0x97));
        assertEquals(4, complete('a', 0xE6, 0x97, 0xA5));
        assertEquals(0, complete(0xF0, 0x9F, 0x99));
        assertEquals(4, complete(0xF0, 0x9F, 0x99, 0x82));
        assertEquals(2, complete(0xC3, 0xA9));
        assertEquals(0, complete(0xC3));
        // bytes that can never become valid are released at once (as U+FFFD)
        assertEquals(1, complete(0x80));
        assertEquals(1, complete(0xFF));
        assertEquals(1, complete(0xC0));
        assertEquals(2, complete(0xE0, 0x80)); // overlong
        assertEquals(2, complete(0xED, 0xA0)); // surrogate
        assertEquals(4, complete(0xE6, 0x97, 0xA5, 0x80));
    }

    @Test
    void decodesByteTokensOfTheStoriesVocabulary() {
        Tokenizer t = TokenizerTestSupport.stories260K();
        StreamDecoder d = t.streamDecoder();
        // <0xE6> <0x97> <0xA5> = 日
        assertEquals("", d.accept(233));
        assertTrue(d.hasPending());
        assertEquals("", d.accept(154));
        assertEquals("日", d.accept(168));
        assertFalse(d.hasPending());
        // an interrupted sequence comes out as U+FFFD followed by the next text
        assertEquals("", d.accept(233));
        assertEquals("\uFFFD a", d.accept(261));
        // flush releases an unfinished tail
        assertEquals("", d.accept(243));
        assertEquals("\uFFFD", d.flush());
        assertEquals("", d.flush());
        // control tokens give nothing by default, their text when asked
        assertEquals("", d.accept(2));
        assertEquals("</s>", new StreamDecoder(t, true).accept(2));
        assertEquals(" Once", d.accept(403));
    }

    @Test
    void randomSplitsOfValidTextNeverProduceReplacementCharacters() {
        Tokenizer t = TokenizerTestSupport.stories260K();
        String text = "Zoë saw 日本語 and 🙂🙃 — ½ café ñ";
        int[] ids = t.encode(text, false, false);
        StreamDecoder d = t.streamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String s = d.accept(id);
            assertFalse(s.contains("\uFFFD"));
            sb.append(s);
        }
        sb.append(d.flush());
        assertEquals(" " + text, sb.toString());
        assertEquals(text, new String(concat(t, ids), StandardCharsets.UTF_8).substring(1));
    }

    private static byte[] concat(Tokenizer t, int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) out.writeBytes(t.tokenBytes(id));
        return out.toByteArray();
    }
}
