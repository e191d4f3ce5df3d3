package dev.steer4j.spark;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.tensor.ThreadPool;
import org.apache.spark.SparkEnv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded model per JVM and model path: executors memory-map the GGUF file the first time a task asks for it
 * and every later task on that JVM reuses it (a {@link Model} is immutable and thread-safe). Tasks carry only the
 * path, never model bytes.
 */
public final class ModelCache {
    private record Loaded(Model model, ForwardPass forward) {}

    private static final ConcurrentHashMap<String, Loaded> MODELS = new ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger LOADS = new java.util.concurrent.atomic.AtomicInteger();

    private ModelCache() {}

    /** The model at {@code path}, loaded (memory-mapped) on first use in this JVM. */
    public static Model model(String path) { return loaded(path).model; }

    /**
     * A forward pass over the cached model on a thread pool of {@code spark.task.cpus} threads (1 by default), so
     * that the tasks an executor runs side by side share its cores instead of each spinning up one thread per core.
     */
    public static ForwardPass forwardPass(String path) { return loaded(path).forward; }

    /** How many times this JVM has loaded a model file (once per path; for tests and logs). */
    public static int loads() { return LOADS.get(); }

    private static Loaded loaded(String path) {
        String key = Path.of(path).toAbsolutePath().normalize().toString();
        return MODELS.computeIfAbsent(key, k -> {
            Path p = Path.of(k);
            if (!Files.isRegularFile(p))
                throw new IllegalArgumentException("model file " + k + " not found on " + host()
                        + " (every executor reads the model from this path: put it on storage all workers mount)");
            Model m = Model.load(p);
            LOADS.incrementAndGet();
            return new Loaded(m, new ForwardPass(m, new ThreadPool(taskCpus())));
        });
    }

    private static int taskCpus() {
        SparkEnv env = SparkEnv.get();
        return env == null ? 1 : Math.max(1, env.conf().getInt("spark.task.cpus", 1));
    }

    private static String host() {
        try {
            return "host " + java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "this host";
        }
    }
}
