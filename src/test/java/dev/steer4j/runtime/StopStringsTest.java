package dev.steer4j.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StopStringsTest {
    @Test
    void holdsBackAPossibleStopAndCutsAtTheFirst() {
        StopStrings s = new StopStrings(List.of("END", "stop here"));
        assertEquals("The ", s.accept("The "));
        assertEquals("", s.accept("E"), "'E' may start END");
        assertEquals("", s.accept("N"));
        assertEquals("ENx ", s.accept("x "), "not END after all: released");
        assertEquals("", s.accept("stop h"), "'stop h' is held back as a prefix of 'stop here'");
        assertEquals("", s.accept("ere and more"));
        assertTrue(s.stopped());
        assertEquals("The ENx ", s.text());
        assertEquals("", s.flush("tail"));
    }

    @Test
    void stopSpanningPiecesAndFlush() {
        StopStrings s = new StopStrings(List.of("\n\n"));
        assertEquals("a", s.accept("a\n"));
        assertEquals("", s.accept("\nb"));
        assertTrue(s.stopped());
        assertEquals("a", s.text());
        StopStrings t = new StopStrings(List.of("xyz"));
        assertEquals("ab", t.accept("abx"));
        assertEquals("x", t.flush(""), "the held-back tail comes out at the end");
        assertEquals("abx", t.text());
    }
}
