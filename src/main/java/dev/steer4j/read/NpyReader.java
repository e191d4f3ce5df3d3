package dev.steer4j.read;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the little-endian float32 / int32 C-order {@code .npy} files that {@link NpyWriter} (and NumPy) write. Rows
 * are read on demand from the file, so large captures need not fit in memory.
 */
public final class NpyReader implements AutoCloseable {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private final Path path;
    private final FileChannel ch;
    private final String descr;
    private final long[] shape;
    private final long dataOffset;
    private final int rowElements;

    public NpyReader(Path path) {
        this.path = path;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            readFully(pre, 0);
            pre.flip();
            byte[] magic = new byte[6];
            pre.get(magic);
            if ((magic[0] & 0xff) != 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY"))
                throw new IllegalArgumentException(path + ": not a .npy file (bad magic)");
            int major = pre.get();
            pre.get();
            int hlen;
            int hstart;
            if (major == 1) {
                hlen = Short.toUnsignedInt(pre.getShort());
                hstart = 10;
            } else {
                ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                readFully(b, 8);
                hlen = b.flip().getInt();
                hstart = 12;
            }
            ByteBuffer hb = ByteBuffer.allocate(hlen);
            readFully(hb, hstart);
            String header = new String(hb.array(), StandardCharsets.ISO_8859_1);
            descr = find(DESCR, header, "descr");
            if (!descr.equals("<f4") && !descr.equals("<i4"))
                throw new IllegalArgumentException(path + ": dtype " + descr + " is not supported (only <f4 and <i4)");
            if (find(FORTRAN, header, "fortran_order").equals("True"))
                throw new IllegalArgumentException(path + ": Fortran-order arrays are not supported");
            List<Long> dims = new ArrayList<>();
            for (String s : find(SHAPE, header, "shape").split(",")) if (!s.isBlank()) dims.add(Long.parseLong(s.trim()));
            shape = dims.stream().mapToLong(Long::longValue).toArray();
            long re = 1;
            for (int i = 1; i < shape.length; i++) re *= shape[i];
            rowElements = Math.toIntExact(re);
            dataOffset = hstart + hlen;
            long need = dataOffset + 4L * rowElements * (shape.length == 0 ? 1 : shape[0]);
            if (ch.size() < need)
                throw new IllegalArgumentException(path + ": file has " + ch.size() + " bytes but shape " + java.util.Arrays.toString(shape) + " needs " + need);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private String find(Pattern p, String header, String what) {
        Matcher m = p.matcher(header);
        if (!m.find()) throw new IllegalArgumentException(path + ": npy header has no '" + what + "': " + header.trim());
        return m.group(1);
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) throw new IllegalArgumentException(path + ": file ends inside the npy header");
            pos += n;
        }
    }

    public long[] shape() { return shape.clone(); }
    public String dtype() { return descr; }
    public long rows() { return shape.length == 0 ? 1 : shape[0]; }
    public int rowElements() { return rowElements; }

    /** Row {@code r} as floats (int32 files are converted). */
    public float[] row(long r) {
        if (r < 0 || r >= rows()) throw new IndexOutOfBoundsException(path + ": row " + r + " of " + rows());
        ByteBuffer b = ByteBuffer.allocate(4 * rowElements).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readFully(b, dataOffset + 4L * rowElements * r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        b.flip();
        float[] out = new float[rowElements];
        for (int i = 0; i < rowElements; i++) out[i] = descr.equals("<f4") ? b.getFloat() : b.getInt();
        return out;
    }

    /** Every value of an int32 file, in order. */
    public int[] ints() {
        if (!descr.equals("<i4")) throw new IllegalStateException(path + " holds " + descr + ", not int32");
        long n = rows() * rowElements;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(4 * n)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readFully(b, dataOffset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        b.flip();
        int[] out = new int[(int) n];
        for (int i = 0; i < n; i++) out[i] = b.getInt();
        return out;
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
