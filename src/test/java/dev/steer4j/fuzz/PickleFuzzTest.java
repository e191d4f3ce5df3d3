package dev.steer4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.steer4j.format.pytorch.CheckpointException;
import dev.steer4j.format.pytorch.SafeUnpickler;

/**
 * Arbitrary bytes as a pickle for the allow-list unpickler: a value, or a {@link CheckpointException}. Anything else
 * (and above all running code, which Jazzer's sanitizers watch for) is a finding.
 */
class PickleFuzzTest {
    @FuzzTest
    void pickle(byte[] bytes) {
        try {
            SafeUnpickler.load(bytes, "fuzz.pkl");
        } catch (CheckpointException expected) {
            // a clear error
        }
    }
}
