package dev.steer4j.tokenizer;

/**
 * A tokenizer could not be built (missing or inconsistent metadata, unsupported model) or could not encode a text.
 * Messages name the metadata key and the problem.
 */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(dev.steer4j.format.SafeText.message(message));
    }

    public TokenizerException(String message, Throwable cause) {
        super(dev.steer4j.format.SafeText.message(message), cause);
    }
}
