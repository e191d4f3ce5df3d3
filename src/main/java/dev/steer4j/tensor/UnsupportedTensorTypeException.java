package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;

/** A tensor whose storage type steer4j has no kernels for. */
public class UnsupportedTensorTypeException extends RuntimeException {
    public UnsupportedTensorTypeException(String tensor, GGMLType type) {
        super("tensor '" + tensor + "' has type " + type + ", which steer4j does not support (supported: " + GGMLType.supportedList() + ")");
    }
}
