package dev.steer4j.steer.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A dataset with a record far too long for a prompt is refused while streaming, naming the file and the line. */
class DatasetLimitsTest {
    @TempDir Path dir;

    @Test
    void anOverlongLineIsRefusedWithItsLineNumberBeforeTheFileIsLoaded() throws IOException {
        Path p = dir.resolve("pairs.jsonl");
        try (OutputStream out = Files.newOutputStream(p)) {
            out.write("{\"positive\": \"a\", \"negative\": \"b\"}\n".getBytes());
            out.write("{\"positive\": \"".getBytes());
            byte[] chunk = "x".repeat(1 << 16).getBytes();
            for (int i = 0; i < 80; i++) out.write(chunk); // 5 MiB
            out.write("\", \"negative\": \"b\"}\n".getBytes());
        }
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.pairs(p));
        assertEquals(p + " line 2: the line is longer than 4194304 bytes (4 MiB); a record this long is not a prompt", e.getMessage());
    }

    @Test
    void anOverlongStringInAJsonArrayIsRefused() throws IOException {
        Path p = dir.resolve("pairs.json");
        Files.writeString(p, "[{\"positive\": \"" + "x".repeat(5 << 20) + "\", \"negative\": \"b\"}]");
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.pairs(p));
        assertTrue(e.getMessage().startsWith(p + " line 1: malformed JSON: String value length"), e.getMessage());
    }
}
