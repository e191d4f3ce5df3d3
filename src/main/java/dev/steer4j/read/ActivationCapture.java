package dev.steer4j.read;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookRegistry;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Streams activations at chosen hook points to disk, one prompt at a time, in files NumPy reads directly:
 * <pre>
 * out/
 *   blocks.2.hook_resid_post.npy   float32 [rows, n_embd]   one row per captured token
 *   tokens.npy                     int32   [rows]           the token id of each row
 *   prompt_index.npy               int32   [rows]           which prompt each row belongs to
 *   position.npy                   int32   [rows]           the token position within its prompt (0 = BOS)
 *   prompts.jsonl                  one line per prompt: index, first row, row count, token ids, text
 *   metadata.json                  model, hooks, shapes, settings (written last: its presence marks a complete capture)
 * </pre>
 * Memory use is bounded by one prompt's activations: rows are appended to the files as the forward pass produces
 * them, and every {@code .npy} header is fixed up with the final row count at the end.
 */
public final class ActivationCapture {
    /** Which rows of each prompt are kept. */
    public enum Positions { ALL, LAST }

    /** What a finished capture wrote. */
    public record Result(Path directory, int prompts, long rows, long tokens, Map<String, Path> files) {}

    private ActivationCapture() {}

    /**
     * The shape of one row at a site, as TransformerLens lays it out: {@code [n_embd]} on the residual stream,
     * {@code [n_head, head_dim]} for q and z, {@code [n_kv_head, head_dim]} for k and v, {@code [n_head, keys]} for
     * the pattern (keys = the longest prompt allowed; later keys are 0), {@code [n_ff]} for the MLP neurons.
     */
    static int[] rowShape(ModelConfig c, HookSite site, int maxKeys) {
        return switch (site) {
            case Q, Z -> new int[]{c.heads(), c.headDim()};
            case K, V -> new int[]{c.kvHeads(), c.headDim()};
            case PATTERN -> new int[]{c.heads(), maxKeys};
            case MLP_POST -> new int[]{c.ffnDim()};
            default -> new int[]{c.dim()};
        };
    }

    /**
     * Captures every prompt of {@code prompts}.
     *
     * @param maxTokens prompts longer than this (after tokenising, with BOS) are cut to their first {@code maxTokens}
     *                  tokens; 0 means the model's context length, and a longer prompt is an error
     */
    public static Result capture(ForwardPass fp, PromptFile.Source prompts, List<HookPoint> points, Positions positions,
                                 int maxTokens, Path outDir, Progress progress) {
        Model model = fp.model();
        Tokenizer tok = model.tokenizer();
        int dim = model.config().dim();
        int ctx = model.config().contextLength();
        if (points.isEmpty()) throw new IllegalArgumentException("no hook points to capture (give at least one, e.g. blocks.0.hook_resid_post)");
        for (HookPoint p : points) p.checkLayer(model.config().layers());
        if (new java.util.HashSet<>(points).size() != points.size()) throw new IllegalArgumentException("hook point listed twice: " + points);
        try {
            Files.createDirectories(outDir);
            Files.deleteIfExists(outDir.resolve("metadata.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outDir + ": " + e.getMessage(), e);
        }
        Map<String, Path> files = new LinkedHashMap<>();
        Map<HookPoint, NpyWriter> writers = new LinkedHashMap<>();
        List<AutoCloseable> toClose = new ArrayList<>();
        long rows = 0;
        long tokens = 0;
        int count = 0;
        try {
            int limit0 = maxTokens > 0 ? Math.min(maxTokens, ctx) : ctx;
            Map<HookPoint, int[]> shapes = new LinkedHashMap<>();
            for (HookPoint p : points) {
                Path f = outDir.resolve(p.name() + ".npy");
                int[] shape = rowShape(model.config(), p.site(), limit0);
                shapes.put(p, shape);
                NpyWriter w = new NpyWriter(f, NpyWriter.DType.F4, shape);
                toClose.add(w);
                writers.put(p, w);
                files.put(p.name(), f);
            }
            NpyWriter tokW = new NpyWriter(outDir.resolve("tokens.npy"), NpyWriter.DType.I4);
            NpyWriter idxW = new NpyWriter(outDir.resolve("prompt_index.npy"), NpyWriter.DType.I4);
            NpyWriter posW = new NpyWriter(outDir.resolve("position.npy"), NpyWriter.DType.I4);
            toClose.addAll(List.of(tokW, idxW, posW));
            files.put("tokens", tokW.path());
            files.put("prompt_index", idxW.path());
            files.put("position", posW.path());
            Path promptsFile = outDir.resolve("prompts.jsonl");
            files.put("prompts", promptsFile);
            OutputStream promptsOut = Files.newOutputStream(promptsFile);
            toClose.add(promptsOut);
            ObjectMapper json = new ObjectMapper();
            int limit = maxTokens > 0 ? Math.min(maxTokens, ctx) : ctx;

            while (prompts.hasNext()) {
                PromptFile.Prompt pr = prompts.next();
                int[] ids = tok.encode(pr.text());
                if (ids.length == 0) throw new IllegalArgumentException(pr.location() + ": the prompt gives no tokens");
                if (ids.length > limit) {
                    if (maxTokens <= 0)
                        throw new IllegalArgumentException(pr.location() + ": the prompt has " + ids.length + " tokens but the model's context is " + ctx + " (use --max-tokens to cut prompts)");
                    ids = Arrays.copyOf(ids, limit);
                }
                int first = positions == Positions.ALL ? 0 : ids.length - 1;
                SequenceState seq = new SequenceState(model, ids.length);
                seq.setPromptLength(ids.length);
                List<HookRegistry.Registration> regs = new ArrayList<>();
                try {
                    for (var e : writers.entrySet()) {
                        NpyWriter w = e.getValue();
                        if (e.getKey().site() == HookSite.PATTERN) {
                            int heads = model.config().heads(), keys = shapes.get(e.getKey())[1];
                            float[] padded = new float[heads * keys];
                            regs.add(seq.hooks().add(e.getKey(), a -> {
                                int have = a.width() / heads;
                                for (int r = 0; r < a.rows(); r++) {
                                    if (a.position(r) < first) continue;
                                    Arrays.fill(padded, 0f);
                                    for (int h = 0; h < heads; h++) System.arraycopy(a.data(), a.offset(r) + h * have, padded, h * keys, Math.min(have, keys));
                                    w.append(padded, 0);
                                }
                            }));
                            continue;
                        }
                        regs.add(seq.hooks().add(e.getKey(), a -> {
                            for (int r = 0; r < a.rows(); r++) if (a.position(r) >= first) w.append(a.data(), a.offset(r));
                        }));
                    }
                    for (int from = 0; from < ids.length; from += ForwardPass.PREFILL_CHUNK) {
                        int n = Math.min(ForwardPass.PREFILL_CHUNK, ids.length - from);
                        fp.forward(seq, Arrays.copyOfRange(ids, from, from + n), false);
                    }
                } finally {
                    for (var r : regs) r.close();
                }
                long startRow = rows;
                for (int i = first; i < ids.length; i++) {
                    tokW.append(ids[i]);
                    idxW.append(pr.index());
                    posW.append(i);
                    rows++;
                }
                tokens += ids.length;
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("index", pr.index());
                line.put("row", startRow);
                line.put("rows", rows - startRow);
                line.put("tokens", ids);
                line.put("text", pr.text());
                promptsOut.write(json.writeValueAsBytes(line));
                promptsOut.write('\n');
                count++;
                progress.update(count, -1, tokens + " tokens");
            }
            promptsOut.flush();
            for (AutoCloseable c : toClose) c.close();
            toClose.clear();

            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("format", "steer4j-activations/1");
            meta.put("model", model.config().name());
            meta.put("model_file", model.file() != null && model.file().path() != null ? model.file().path().toString() : null);
            meta.put("n_embd", dim);
            meta.put("n_layer", model.config().layers());
            meta.put("positions", positions.name().toLowerCase());
            meta.put("prompts", count);
            meta.put("rows", rows);
            meta.put("tokens", tokens);
            meta.put("dtype", "float32");
            Map<String, Object> hooks = new LinkedHashMap<>();
            for (HookPoint p : points) {
                List<Long> shape = new ArrayList<>(List.of(rows));
                for (int d : shapes.get(p)) shape.add((long) d);
                hooks.put(p.name(), Map.of("file", p.name() + ".npy", "shape", shape));
            }
            meta.put("hooks", hooks);
            meta.put("row_files", Map.of("tokens", "tokens.npy", "prompt_index", "prompt_index.npy", "position", "position.npy", "prompts", "prompts.jsonl"));
            Path m = outDir.resolve("metadata.json");
            json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(m.toFile(), meta);
            files.put("metadata", m);
            return new Result(outDir, count, rows, tokens, files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + outDir + ": " + e.getMessage(), e);
        } catch (Exception e) {
            if (e instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e);
        } finally {
            for (AutoCloseable c : toClose) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // already failing; the first error is the one to report
                }
            }
        }
    }
}
