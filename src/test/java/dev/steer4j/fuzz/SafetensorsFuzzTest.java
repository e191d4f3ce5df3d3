package dev.steer4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.steer4j.format.safetensors.SafetensorsFile;
import dev.steer4j.format.safetensors.SafetensorsFormatException;
import dev.steer4j.format.safetensors.SafetensorsTensor;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a .safetensors file: every tensor it lists can be read end to end, or the file is refused with
 * a {@link SafetensorsFormatException}. Anything else is a finding.
 */
class SafetensorsFuzzTest {
    private static final Path FILE = FuzzFiles.scratch("fuzz.safetensors");

    @FuzzTest
    void safetensors(byte[] bytes) {
        FuzzFiles.write(FILE, bytes);
        try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
            for (String name : f.tensors().keySet()) {
                SafetensorsTensor t;
                try {
                    t = f.tensor(name);
                } catch (SafetensorsFormatException expected) {
                    continue;
                }
                assertTrue(t.data().byteSize() >= 0);
                if (t.data().byteSize() > 0) {
                    t.data().get(ValueLayout.JAVA_BYTE, 0);
                    t.data().get(ValueLayout.JAVA_BYTE, t.data().byteSize() - 1);
                }
            }
        } catch (SafetensorsFormatException expected) {
            // a clear error
        }
    }
}
