package dev.steer4j.read;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a NumPy {@code .npy} file (format 1.0, little-endian, C order) one row at a time, so a matrix larger than
 * memory can be written. The header is written first with room for any row count and rewritten with the real shape
 * on {@link #close()}; until then the file is a valid {@code .npy} of zero rows. {@code numpy.load(path)} and
 * {@code numpy.load(path, mmap_mode='r')} read the result.
 */
public final class NpyWriter implements AutoCloseable {
    /** Element types this writer supports. */
    public enum DType {
        F4("<f4", 4), I4("<i4", 4);
        final String descr;
        final int size;

        DType(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }
    }

    /** Total header size (magic + version + length + dict, padded); 128 leaves room for 19-digit row counts. */
    static final int HEADER_BYTES = 128;

    private final Path path;
    private final FileChannel ch;
    private final DType dtype;
    private final int[] rowShape;
    private final int rowElements;
    private final ByteBuffer buf;
    private long rows;
    private boolean closed;

    /**
     * @param rowShape the shape of one row (empty for a 1-D array of scalars)
     */
    public NpyWriter(Path path, DType dtype, int... rowShape) {
        this.path = path;
        this.dtype = dtype;
        this.rowShape = rowShape.clone();
        int n = 1;
        for (int d : rowShape) {
            if (d <= 0) throw new IllegalArgumentException("row dimension " + d + " must be positive");
            n = Math.multiplyExact(n, d);
        }
        this.rowElements = n;
        this.buf = ByteBuffer.allocate(Math.max(1 << 16, n * dtype.size)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            this.ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            writeHeader();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() { return path; }
    public long rows() { return rows; }

    /** Appends one row of floats (length = the product of the row shape). */
    public void append(float[] data, int off) {
        if (dtype != DType.F4) throw new IllegalStateException(path + " holds " + dtype.descr + ", not float32");
        ensure();
        for (int i = 0; i < rowElements; i++) buf.putFloat(data[off + i]);
        rows++;
    }

    /** Appends one scalar row (or a row of ints). */
    public void append(int... values) {
        if (dtype != DType.I4) throw new IllegalStateException(path + " holds " + dtype.descr + ", not int32");
        if (values.length != rowElements) throw new IllegalArgumentException("row has " + values.length + " values, expected " + rowElements);
        ensure();
        for (int v : values) buf.putInt(v);
        rows++;
    }

    private void ensure() {
        if (closed) throw new IllegalStateException(path + " is closed");
        if (buf.remaining() < rowElements * dtype.size) flush();
    }

    /** Writes buffered rows to the file (the header still says the previous row count until {@link #close()}). */
    public void flush() {
        try {
            buf.flip();
            while (buf.hasRemaining()) ch.write(buf);
            buf.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    private void writeHeader() throws IOException {
        StringBuilder shape = new StringBuilder("(").append(rows);
        if (rowShape.length == 0) shape.append(",");
        for (int d : rowShape) shape.append(", ").append(d);
        shape.append(")");
        String dict = "{'descr': '" + dtype.descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = HEADER_BYTES - 10 - dict.length() - 1;
        if (pad < 0) throw new IllegalStateException("npy header too long: " + dict);
        byte[] d = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        h.putShort((short) d.length).put(d).flip();
        ch.write(h, 0);
        if (ch.position() < HEADER_BYTES) ch.position(HEADER_BYTES);
    }

    /** Flushes, fixes the header's row count and closes the file. */
    @Override
    public void close() {
        if (closed) return;
        try {
            flush();
            writeHeader();
            ch.force(false);
            ch.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + path + ": " + e.getMessage(), e);
        } finally {
            closed = true;
        }
    }
}
