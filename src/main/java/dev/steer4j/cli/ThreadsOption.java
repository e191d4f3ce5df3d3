package dev.steer4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code -t/--threads N}, as in llama.cpp: the number of worker threads of the process-wide compute pool. It sets
 * {@code -Dsteer4j.threads} before the first forward pass creates the pool (the default is the number of cores).
 */
public final class ThreadsOption {
    Integer threads;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "Worker threads for the forward pass, as llama.cpp's -t (default: the number of cores)")
    void threads(int n) {
        threads = n;
        if (n >= 1) System.setProperty("steer4j.threads", Integer.toString(n));
    }

    /** The threads asked for, or the number of cores. */
    public int threads() {
        if (threads != null && threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        return threads != null ? threads : Runtime.getRuntime().availableProcessors();
    }
}
