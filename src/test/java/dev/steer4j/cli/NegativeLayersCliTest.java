package dev.steer4j.cli;

import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Negative layer indices count from the end (repeng's and Python's -1 = the last layer) in every command that takes
 * layers; on the bundled 5-layer stories260K, -1 is layer 4. Out-of-range indices name the value and the valid range.
 */
class NegativeLayersCliTest {
    static final String V = Fixtures.resource("reference/stories260K/cvec-0.gguf").toString();
    static final String GONE = "layer -9 does not exist (the model has 5 layers: counting from the end, -1 is the last and -5 the first)";

    static CliRunner.Result ok(String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    static void fails(String message, String... args) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(1, r.exitCode(), String.join(" ", args));
        assertEquals("steer4j: " + message + "\n", r.err(), String.join(" ", args));
    }

    @Test
    void readLensGenerateAndCompareTakeLayersFromTheEnd() {
        assertEquals(ok("read", "-v", V, "--layer", "4", "-p", "Once upon a time", "--json").out(),
                ok("read", "-v", V, "--layer", "-1", "-p", "Once upon a time", "--json").out());
        assertEquals(ok("lens", "-v", V, "-l", "3-4", "--json").out(), ok("lens", "-v", V, "-l", "-2--1", "--json").out());
        String steered = ok("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0", "--vector", V + ":3", "--layers", "2-3").out();
        assertEquals(steered, ok("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0", "--vector", V + ":3", "--layers", "-3--2").out());
        assertEquals(steered, ok("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0",
                "--control-vector-scaled", V, "3", "--control-vector-layer-range", "-3", "-2").out());
        assertNotEquals(ok("generate", "-p", "Once upon a time", "-n", "12", "--temp", "0").out(), steered);
        assertEquals(ok("compare", "-p", "Once upon a time", "-n", "8", "--temp", "0", "--vector", V, "--layers", "4", "--json").out(),
                ok("compare", "-p", "Once upon a time", "-n", "8", "--temp", "0", "--vector", V, "--layers", "-1", "--json").out());
    }

    @Test
    void extractWritesTheLayersCountedFromTheEnd(@TempDir Path dir) throws Exception {
        Path data = Path.of("src/main/resources/steer4j/data/happy_sad.jsonl");
        Path a = dir.resolve("a.json"), b = dir.resolve("b.json");
        ok("extract", "-d", data.toString(), "--layers", "-2--1", "--limit", "4", "-q", "-o", a.toString());
        ok("extract", "-d", data.toString(), "--layers", "3-4", "--limit", "4", "-q", "-o", b.toString());
        assertEquals(Files.readString(b), Files.readString(a));
        assertTrue(Files.readString(a).contains("\"4\""), Files.readString(a));
    }

    @Test
    void indicesOutsideTheModelNameTheValueAndTheRange() {
        fails("--layer: " + GONE, "read", "-v", V, "--layer=-9", "-p", "x");
        fails("--layers: " + GONE, "lens", "-v", V, "-l=-9");
        fails("--layers: " + GONE, "generate", "-p", "x", "--vector", V + ":1", "--layers=-9");
        fails("--layers: '4--3': the range '4--3' is layers 4 to 2 on a model with 5 layers, which runs backwards",
                "generate", "-p", "x", "--vector", V + ":1", "--layers", "4--3");
        fails("--ablate: layer -9 does not exist (the model has 5 layers: counting from the end, -1 is the last and -5 the first)",
                "generate", "-p", "x", "--ablate", V + ":-9");
        CliRunner.Result back = CliRunner.run("generate", "-p", "x", "--vector", V + ":1", "--layers", "-1--3");
        assertEquals(2, back.exitCode());
        assertEquals("Invalid value for option '--layers': '-1--3': the range '-1--3' runs backwards", back.err().lines().findFirst().orElseThrow());
    }
}
