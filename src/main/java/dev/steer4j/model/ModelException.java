package dev.steer4j.model;

/** A model file that cannot be used: the message names the file, the key or tensor, and the value found. */
public class ModelException extends RuntimeException {
    public ModelException(String message) { super(dev.steer4j.format.SafeText.message(message)); }
}
