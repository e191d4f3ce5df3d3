package dev.steer4j.read;

/** A token with a score (a logit, a projection, a probability). */
public record TokenScore(int id, String text, double score) {}
