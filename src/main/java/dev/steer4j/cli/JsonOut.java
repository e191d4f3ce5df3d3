package dev.steer4j.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Streams JSON to standard output (large logit matrices never sit in memory as a tree). */
final class JsonOut implements AutoCloseable {
    private static final JsonFactory FACTORY = new JsonFactory();
    final JsonGenerator g;

    JsonOut(OutputStream out) {
        try {
            g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonOut stdout() { return new JsonOut(System.out); }

    void ints(String field, int[] v) throws IOException {
        g.writeArrayFieldStart(field);
        for (int x : v) g.writeNumber(x);
        g.writeEndArray();
    }

    /** Writes rows × width floats from {@code data} as an array of arrays. */
    void matrix(String field, float[] data, int rows, int width) throws IOException {
        g.writeArrayFieldStart(field);
        for (int r = 0; r < rows; r++) floats(data, r * width, width);
        g.writeEndArray();
    }

    void rows(String field, float[][] rows) throws IOException {
        g.writeArrayFieldStart(field);
        for (float[] row : rows) floats(row, 0, row.length);
        g.writeEndArray();
    }

    private void floats(float[] data, int off, int n) throws IOException {
        g.writeStartArray();
        for (int i = 0; i < n; i++) g.writeNumber(data[off + i]);
        g.writeEndArray();
    }

    @Override
    public void close() {
        try {
            g.close();
            System.out.println();
            System.out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
