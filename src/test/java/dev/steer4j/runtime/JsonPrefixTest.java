package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The JSON prefix automaton against Jackson: the same texts are valid, and every prefix of a valid text is accepted. */
class JsonPrefixTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static boolean accepts(String s, boolean objectOnly) {
        return new JsonPrefix(objectOnly).feed(s.getBytes(StandardCharsets.UTF_8));
    }

    static boolean complete(String s) {
        JsonPrefix p = new JsonPrefix(false);
        return p.feed(s.getBytes(StandardCharsets.UTF_8)) && p.complete();
    }

    @Test
    void validTextsAndEveryPrefixOfThemAreAccepted() throws Exception {
        List<String> valid = List.of("{}", "[]", "0", "-0.5e+3", "1E9", "\"a\\u00e9\\n\\\"\"", "true", "null", "false",
                "{\"a\": [1, 2.5, {\"b\": null}], \"c\": \"x y\", \"d\": {}}", " [ [ ] , { } , \"é\" ] ", "{\"k\":-12.0e-7}");
        for (String v : valid) {
            JSON.readTree(v); // the oracle agrees it is JSON
            assertTrue(complete(v), v);
            for (int i = 0; i < v.length(); i++) assertTrue(accepts(v.substring(0, i), false), "prefix of " + v + ": " + v.substring(0, i));
        }
        assertTrue(complete("{\"a\": 1}"));
        assertFalse(complete("{\"a\": 1"));
        assertFalse(complete("{\"a\": -"));
    }

    @Test
    void invalidTextsAreRefusedWhereJacksonRefusesThem() {
        for (String bad : List.of("{a:1}", "[1,]", "{\"a\" 1}", "01", "1.", "-", "[1 2]", "{\"a\":1,}", "tru e", "\"\\x\"", "\"a\nb\"",
                "}", "{]", "[}", "\"\\u12g4\"", "{} {}", "nul", "1e", "+1", ".5")) {
            boolean ours = complete(bad);
            assertFalse(ours, bad);
            assertThrows(Exception.class, () -> {
                var parser = JSON.getFactory().createParser(bad);
                JSON.readTree(parser);
                if (parser.nextToken() != null) throw new Exception("trailing content");
            }, bad);
        }
        assertFalse(accepts("[", true), "json_object: the top-level value must be an object");
        assertFalse(accepts(" 1", true));
        assertTrue(accepts(" {", true));
        JsonPrefix oneBlank = new JsonPrefix(true, 1);
        assertTrue(oneBlank.feed("{ \"a  b\": [1, 2] }".getBytes(StandardCharsets.UTF_8)), "one blank between tokens, any inside strings");
        assertFalse(new JsonPrefix(true, 1).feed("{  }".getBytes(StandardCharsets.UTF_8)));
        assertFalse(new JsonPrefix(true, 1).feed("{\"a\": 1 \n}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void randomTextsAgreeWithJackson() {
        Random r = new Random(7);
        String alphabet = "{}[]\",:0123456789-+.eEtrufalsn \\u";
        int agree = 0;
        for (int n = 0; n < 20000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(10);
            for (int i = 0; i < len; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            String s = sb.toString();
            boolean jackson;
            try {
                var parser = JSON.getFactory().createParser(s);
                jackson = JSON.readTree(parser) != null && parser.nextToken() == null;
            } catch (Exception e) {
                jackson = false;
            }
            assertEquals(jackson, complete(s), "'" + s + "'");
            if (jackson) agree++;
        }
        assertTrue(agree > 50, "too few valid random texts to mean anything: " + agree);
    }

    @Test
    void closeCostIsTheShortestCompletion() {
        record Case(String prefix, String shortest) {}
        for (Case c : List.of(new Case("", "{}"), new Case("{", "}"), new Case("{\"ab", "\":0}"), new Case("{\"a\":[1,", "0]}"),
                new Case("{\"a\":\"\\u00", "00\"}"), new Case("{\"a\":tr", "ue}"), new Case("{\"a\":1.", "0}"), new Case("{\"a\":1,", "\"\":0}"))) {
            JsonPrefix p = new JsonPrefix(true);
            assertTrue(p.feed(c.prefix().getBytes(StandardCharsets.UTF_8)), c.prefix());
            assertEquals(c.shortest().length(), p.closeCost(), c.prefix());
            assertTrue(p.feed(c.shortest().getBytes(StandardCharsets.UTF_8)) && p.complete(), c.prefix() + c.shortest());
        }
    }
}
