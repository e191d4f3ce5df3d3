package dev.steer4j.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** What the progress bar prints: the bar, counts, percentage, elapsed time and ETA; one line per update off a terminal. */
class ProgressBarTest {
    static final ByteArrayOutputStream BYTES = new ByteArrayOutputStream();

    static ProgressBar bar(boolean tty, String unit) {
        BYTES.reset();
        return new ProgressBar(new PrintStream(BYTES, true, StandardCharsets.UTF_8), "sweep", unit, tty);
    }

    static String out() {
        return BYTES.toString(StandardCharsets.UTF_8);
    }

    @Test
    void rendersTheBarCountsAndEta() {
        ProgressBar b = bar(false, "done");
        b.update(1, 4, "layer 1");  // the first update only fixes where the rate starts
        assertEquals("sweep [#######                     ] 1/4  25%  elapsed 0:10  ETA 0:30  layer 2",
                b.render(1, 4, "layer 2", 10));
        // 3 done since the first update in 60 s: 20 s each, 1 to go
        assertEquals("sweep [#####################       ] 3/4  75%  elapsed 1:00  ETA 0:20", b.render(3, 4, null, 60));
        assertEquals("sweep [############################] 4/4 100%  elapsed 1:01:05", b.render(4, 4, "", 3665));
    }

    @Test
    void anUnknownTotalCountsUnits() {
        ProgressBar b = bar(false, "prompts");
        assertEquals("sweep 12 prompts  elapsed 0:03  p12", b.render(12, 0, "p12", 3.4));
    }

    @Test
    void offATerminalItPrintsTheFirstAndTheLastLineOnly() {
        ProgressBar b = bar(false, "done");
        for (int i = 1; i <= 5; i++) b.update(i, 5, null);
        String[] lines = out().split("\n");
        assertEquals(2, lines.length, out());
        assertTrue(lines[0].startsWith("sweep [######                      ] 1/5  20%"), lines[0]);
        assertTrue(lines[1].startsWith("sweep [############################] 5/5 100%"), lines[1]);
        b.close();
        assertEquals(2, out().split("\n").length, "close after the end prints nothing more");
    }

    @Test
    void closeShowsWhereAStoppedBarGotTo() {
        ProgressBar b = bar(false, "done");
        b.update(1, 10, null);
        b.update(2, 10, null);  // within 10 s of the first line: not printed
        assertEquals(1, out().split("\n").length);
        b.close();
        String[] lines = out().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[1].startsWith("sweep [######                      ] 2/10  20%"), lines[1]);
    }

    @Test
    void onATerminalItRedrawsOneLine() {
        ProgressBar b = bar(true, "done");
        b.update(1, 2, "a long label");
        b.update(2, 2, null);
        String o = out();
        assertTrue(o.startsWith("\rsweep ["), o);
        assertEquals(2, o.chars().filter(c -> c == '\r').count(), o);
        assertTrue(o.endsWith("\n"), "the finished bar ends its line");
        assertFalse(o.substring(0, o.length() - 1).contains("\n"), "one line, redrawn");
        // the shorter second line is padded over the first
        String second = o.substring(o.lastIndexOf('\r') + 1, o.length() - 1);
        assertEquals(o.indexOf('\r', 1) - 1, second.length());
    }
}
