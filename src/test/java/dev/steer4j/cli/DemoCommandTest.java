package dev.steer4j.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DemoCommandTest {
    @Test
    void demoTellsThreeStoriesAndMeasuresTheShift() {
        CliRunner.Result r = CliRunner.run("demo", "--tokens", "40");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.stream().filter(l -> l.startsWith("Once upon a time")).count(), r.out());
        assertTrue(r.out().contains("-- story steered +1.0 x (happy - sad), seed 7 --"));
        assertTrue(r.out().contains("-- story steered -1.0 x (happy - sad), seed 7 --"));
        // the shift column: steering toward happy raises the happy-over-sad log-odds, toward sad lowers it; the
        // measured shifts are about +2.0 and -1.7 nats, asserted with a 1-nat margin
        double up = shift(lines, "+1.0 x (happy - sad) "), down = shift(lines, "-1.0 x (happy - sad) ");
        assertTrue(up > 1.0, "happy shift " + up);
        assertTrue(down < -1.0, "sad shift " + down);
        // deterministic: the same run gives the same output
        assertEquals(r.out().replaceAll("; \\d+ ms --", ""), CliRunner.run("demo", "--tokens", "40").out().replaceAll("; \\d+ ms --", ""));
    }

    private static double shift(List<String> lines, String prefix) {
        String row = lines.stream().filter(l -> l.startsWith(prefix)).reduce((a, b) -> b).orElseThrow();
        String[] cols = row.trim().split("\\s+");
        return Double.parseDouble(cols[cols.length - 1]);
    }
}
