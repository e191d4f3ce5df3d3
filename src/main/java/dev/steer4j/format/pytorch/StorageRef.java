package dev.steer4j.format.pytorch;

/**
 * A persistent id of a tensor storage: {@code ('storage', torch.FloatStorage, key, location, numel)}. The bytes live
 * in the zip entry {@code <archive>/data/<key>}.
 */
public record StorageRef(String dtype, String key, String location, long numel) {}
