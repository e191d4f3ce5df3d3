package dev.steer4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFFormatException;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelException;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.tensor.ThreadPool;
import dev.steer4j.tokenizer.TokenizerException;

import java.nio.file.Path;

/**
 * Arbitrary bytes as a GGUF file: the reader, the model loader, the tokenizer and one forward pass either work or
 * fail with the format's own exception (a message naming the problem). Any other throwable (OutOfMemoryError,
 * IndexOutOfBounds, NegativeArraySize, ArithmeticException, ...) is a finding.
 * <p>Seeds: {@code src/test/resources/dev/steer4j/fuzz/GGUFModelFuzzTestInputs/gguf/}; the regular test run replays
 * them, {@code mvn -Pfuzz} fuzzes.
 */
class GGUFModelFuzzTest {
    private static final Path LABEL = Path.of("fuzz.gguf");
    private static final ThreadPool POOL = new ThreadPool(1);

    @FuzzTest
    void gguf(byte[] bytes) {
        GGUFFile f;
        try {
            f = GGUFFile.fromBytes(LABEL, bytes);
        } catch (GGUFFormatException expected) {
            return;
        }
        try (f) {
            Model m;
            try {
                m = Model.fromGGUF(f);
            } catch (GGUFFormatException | ModelException | TokenizerException expected) {
                return;
            }
            int[] ids = m.tokenizer().encode("ab a", true, false);
            for (int id : ids) m.tokenizer().piece(id);
            if (ids.length == 0) return;
            SequenceState seq = new SequenceState(m, 4);
            new ForwardPass(m, POOL).forward(seq, java.util.Arrays.copyOf(ids, Math.min(ids.length, 4)), false);
        }
    }
}
