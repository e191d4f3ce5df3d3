package dev.steer4j.model;

import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.GenerationResult;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The public way to load the model that ships with steer4j, and the readable toStrings of the main types. */
class BundledModelTest {
    @Test
    void loadsAndPrintsReadably() {
        try (Model m = BundledModel.load()) {
            assertEquals("Model[stories260K.gguf: llama, 5 layers, n_embd 64, vocab 512, context 2048]", m.toString());
            SequenceState seq = new SequenceState(m, 64);
            seq.hooks().add(dev.steer4j.runtime.HookPoint.parse("blocks.1.hook_resid_post"), rows -> {});
            GenerationResult r = new Generator(m).generate(seq, m.tokenizer().encode("Once upon a time"), GenerationConfig.greedy(3), null);
            assertEquals("SequenceState[7 of 64 tokens, prompt 5, 1 hook]", seq.toString());
            assertTrue(r.toString().matches("GenerationResult\\[5 prompt tokens, 3 generated, finish length, [0-9.]+ tok/s, text \", there was\"]"), r.toString());
        }
    }
}
