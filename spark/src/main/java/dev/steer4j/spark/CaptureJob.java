package dev.steer4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.Batch;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.runtime.Workspace;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * {@code steer4j capture} on a Spark cluster: prompts in, one Parquet row per captured token and hook point out.
 * Each partition runs its prompts through the batched forward pass (several sequences per step, each with its own
 * capture hooks) on the executor's cached model.
 *
 * <p>Output columns ({@link #ACTIVATIONS}): {@code prompt_index} (the prompt's 0-based index in the input, as
 * {@code prompt_index.npy}), {@code position} (token position, 0 = BOS), {@code token} (its id), {@code hook} (e.g.
 * {@code blocks.2.hook_resid_post}) and {@code activation} (float[n_embd]): the same numbers as the CLI's
 * {@code <hook>.npy}, {@code tokens.npy}, {@code position.npy} and {@code prompt_index.npy}.
 */
public final class CaptureJob {
    private CaptureJob() {}

    /** Which rows of each prompt are kept: every token, or the last only. */
    public enum Positions { ALL, LAST }

    /** What to capture. {@code maxTokens} 0 = the model's context (longer prompts are an error); else prompts are cut. */
    public record Settings(String model, List<String> hooks, Positions positions, int maxTokens, int batchSequences)
            implements Serializable {
        public Settings {
            if (hooks.isEmpty()) throw new IllegalArgumentException("no hook points to capture (give at least one, e.g. blocks.0.hook_resid_post)");
            for (String h : hooks) HookPoint.parse(h);
            if (batchSequences < 1) throw new IllegalArgumentException("batch must hold at least one sequence, got " + batchSequences);
            hooks = List.copyOf(hooks);
        }

        public static Settings of(String model, List<String> hooks) { return new Settings(model, hooks, Positions.ALL, 0, 8); }
    }

    /** Input rows: a prompt's index and its text. */
    public static final StructType PROMPTS = new StructType()
            .add("prompt_index", DataTypes.IntegerType, false)
            .add("text", DataTypes.StringType, false);

    /** Output rows: one per captured token and hook point. */
    public static final StructType ACTIVATIONS = new StructType()
            .add("prompt_index", DataTypes.IntegerType, false)
            .add("position", DataTypes.IntegerType, false)
            .add("token", DataTypes.IntegerType, false)
            .add("hook", DataTypes.StringType, false)
            .add("activation", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    static final String[] FIELDS = {"text", "prompt", "question", "instruction"};

    /**
     * Prompts from a file as {@code steer4j capture} reads them, with the same 0-based indices: {@code .parquet}
     * (a string column text, prompt, question or instruction; its rows in file order), {@code .jsonl} (strings or
     * objects with one of those fields), {@code .txt} (one prompt per non-blank line, {@code \n} for a newline), or
     * a {@code .json} array (read on the driver).
     */
    public static Dataset<Row> readPrompts(SparkSession spark, String path) {
        String name = path.toLowerCase(Locale.ROOT);
        JavaRDD<String> texts;
        if (name.endsWith(".parquet")) {
            Dataset<Row> df = spark.read().parquet(path);
            String col = null;
            for (String f : FIELDS) if (Arrays.asList(df.columns()).contains(f)) { col = f; break; }
            if (col == null) throw new IllegalArgumentException(path + ": no column " + String.join(", ", FIELDS) + " (columns: " + String.join(", ", df.columns()) + ")");
            texts = df.select(col).javaRDD().map(r -> r.getString(0));
        } else if (name.endsWith(".json")) {
            texts = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).parallelize(PromptFile.readAll(Path.of(path)));
        } else {
            boolean json = name.endsWith(".jsonl") || name.endsWith(".ndjson");
            texts = spark.read().textFile(path).javaRDD().filter(s -> !s.isBlank()).map(s -> json ? textOf(s, path) : s.replace("\\n", "\n"));
        }
        JavaRDD<Row> rows = texts.zipWithIndex().map(t -> RowFactory.create((int) (long) t._2(), t._1()));
        return spark.createDataFrame(rows, PROMPTS);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static String textOf(String line, String path) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(path + ": invalid JSON line " + abbreviate(line) + ": " + e.getOriginalMessage());
        }
        if (n.isTextual()) return n.asText();
        if (n.isObject())
            for (String f : FIELDS) {
                JsonNode v = n.get(f);
                if (v != null && v.isTextual()) return v.asText();
                if (v != null) throw new IllegalArgumentException(path + ": field '" + f + "' must be a string in line " + abbreviate(line));
            }
        throw new IllegalArgumentException(path + ": expected a string or an object with one of the fields " + String.join(", ", FIELDS) + ", found " + abbreviate(line));
    }

    private static String abbreviate(String s) { return s.length() > 60 ? s.substring(0, 57) + "..." : s; }

    /** Captures the activations of every prompt row ({@link #PROMPTS}); lazy, like any Dataset. */
    public static Dataset<Row> capture(Dataset<Row> prompts, Settings s) {
        Model model = ModelCache.model(s.model());
        for (String h : s.hooks()) HookPoint.parse(h).checkLayer(model.config().layers());
        if (new java.util.HashSet<>(s.hooks()).size() != s.hooks().size()) throw new IllegalArgumentException("hook point listed twice: " + s.hooks());
        JavaRDD<Row> rows = prompts.select("prompt_index", "text").javaRDD().mapPartitions(new CaptureRows(s));
        return prompts.sparkSession().createDataFrame(rows, ACTIVATIONS);
    }

    /** One partition: batches of prompts through the forward pass, rows out as each batch finishes. */
    static final class CaptureRows implements FlatMapFunction<Iterator<Row>, Row> {
        private final Settings s;

        CaptureRows(Settings s) { this.s = s; }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            ForwardPass fp = ModelCache.forwardPass(s.model());
            Model model = fp.model();
            List<HookPoint> points = s.hooks().stream().map(HookPoint::parse).toList();
            int ctx = model.config().contextLength();
            int limit = s.maxTokens() > 0 ? Math.min(s.maxTokens(), ctx) : ctx;
            Workspace ws = new Workspace(model.config());
            return new Iterator<>() {
                final List<Row> ready = new ArrayList<>();
                int next;

                @Override
                public boolean hasNext() {
                    while (next == ready.size()) {
                        ready.clear();
                        next = 0;
                        if (!in.hasNext()) return false;
                        runBatch();
                    }
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) throw new NoSuchElementException();
                    return ready.get(next++);
                }

                private void runBatch() {
                    List<Seq> batch = new ArrayList<>();
                    int rows = 0;
                    while (in.hasNext() && batch.size() < s.batchSequences() && rows < ForwardPass.PREFILL_CHUNK) {
                        Row r = in.next();
                        int index = r.getInt(0);
                        int[] ids = model.tokenizer().encode(r.getString(1));
                        if (ids.length == 0) throw new IllegalArgumentException("prompt " + index + " gives no tokens");
                        if (ids.length > limit) {
                            if (s.maxTokens() <= 0)
                                throw new IllegalArgumentException("prompt " + index + " has " + ids.length + " tokens but the model's context is " + ctx + " (set maxTokens / --max-tokens to cut prompts)");
                            ids = Arrays.copyOf(ids, limit);
                        }
                        Seq q = new Seq(index, ids, new SequenceState(model, ids.length), s.positions() == Positions.ALL ? 0 : ids.length - 1, points);
                        batch.add(q);
                        rows += ids.length;
                    }
                    // prompts of up to one prefill chunk share a step; longer ones run their chunks one step each
                    int longest = batch.stream().mapToInt(q -> q.ids.length).max().orElse(0);
                    Batch b = new Batch();
                    for (int from = 0; from < longest; from += ForwardPass.PREFILL_CHUNK) {
                        b.clear();
                        for (Seq q : batch) {
                            if (from >= q.ids.length) continue;
                            b.add(q.state, q.ids, from, Math.min(ForwardPass.PREFILL_CHUNK, q.ids.length - from), false);
                        }
                        fp.forward(b, ws);
                    }
                    for (Seq q : batch) q.emit(points, ready);
                }
            };
        }
    }

    /** One prompt of a batch, with its capture hooks. */
    private static final class Seq {
        final int index;
        final int[] ids;
        final SequenceState state;
        final int first;
        final float[][][] rows; // [hook][position - first][dim]

        Seq(int index, int[] ids, SequenceState state, int first, List<HookPoint> points) {
            this.index = index;
            this.ids = ids;
            this.state = state;
            this.first = first;
            this.rows = new float[points.size()][ids.length - first][];
            state.setPromptLength(ids.length);
            for (int h = 0; h < points.size(); h++) {
                float[][] dest = rows[h];
                state.hooks().add(points.get(h), a -> {
                    for (int r = 0; r < a.rows(); r++) if (a.position(r) >= first) dest[a.position(r) - first] = a.copyRow(r);
                });
            }
        }

        void emit(List<HookPoint> points, List<Row> out) {
            for (int p = first; p < ids.length; p++)
                for (int h = 0; h < points.size(); h++)
                    out.add(RowFactory.create(index, p, ids[p], points.get(h).name(), boxed(rows[h][p - first])));
        }

        private static Float[] boxed(float[] v) {
            Float[] o = new Float[v.length];
            for (int i = 0; i < v.length; i++) o[i] = v[i];
            return o;
        }
    }
}
