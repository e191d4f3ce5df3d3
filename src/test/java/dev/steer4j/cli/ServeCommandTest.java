package dev.steer4j.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The serve command's options and its one-line errors (a running server is covered by the dev.steer4j.serve tests). */
class ServeCommandTest {
    @Test
    void helpListsTheOptions() {
        CliRunner.Result r = CliRunner.run("serve", "--help");
        assertEquals(0, r.exitCode());
        for (String o : new String[]{"--model", "--vectors", "--guard", "--port", "--api-key", "--max-batch", "--queue", "--timeout", "--max-tokens", "--max-prompt-tokens"})
            assertTrue(r.out().contains(o), "help mentions " + o + ":\n" + r.out());
    }

    @Test
    void badOptionsFailWithOneLine() {
        CliRunner.Result port = CliRunner.run("serve", "--port", "70000");
        assertEquals(1, port.exitCode());
        assertEquals("steer4j: port must be in 0-65535, got 70000", port.err().strip());
        CliRunner.Result guard = CliRunner.run("serve", "--port", "0", "--guard", "no-such-guard.json");
        assertEquals(1, guard.exitCode());
        assertTrue(guard.err().strip().startsWith("steer4j: file not found: no-such-guard.json"), guard.err());
        CliRunner.Result policy = CliRunner.run("guard", "calibrate", "--positive", "a", "--negative", "b", "-o", "x.json", "--policy", "scold");
        assertEquals(1, policy.exitCode());
        assertEquals("steer4j: guard policy 'scold': expected flag, block, steer or ablate", policy.err().strip());
    }
}
