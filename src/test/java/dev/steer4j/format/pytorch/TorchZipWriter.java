package dev.steer4j.format.pytorch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes what {@code torch.save({'state_dict': sd})} writes (protocol 2 pickle, stored zip entries), so that tests
 * make their own checkpoints. Also writes arbitrary pickle bytes into the same container for hostile cases.
 */
public final class TorchZipWriter {
    private TorchZipWriter() {}

    /** The data.pkl bytes of {@code {'state_dict': OrderedDict(name -> tensor)}}; storage i belongs to tensor i. */
    public static byte[] statePickle(Map<String, FloatTensor> sd) {
        Pickle p = new Pickle();
        p.op(0x80).op(2).op('}');                    // PROTO 2, EMPTY_DICT
        p.str("state_dict");
        p.global("collections", "OrderedDict").op(')').op('R'); // OrderedDict()
        p.op('(');                                   // MARK for SETITEMS
        int i = 0;
        for (var e : sd.entrySet()) {
            FloatTensor t = e.getValue();
            p.str(e.getKey());
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('(');                               // args
            p.op('(').str("storage").global("torch", "FloatStorage").str(Integer.toString(i)).str("cpu").integer(t.numel()).op('t').op('Q');
            p.integer(0);
            p.op('(');
            for (int s : t.shape()) p.integer(s);
            p.op('t');
            p.op('(');
            int stride = 1;
            int[] strides = new int[t.shape().length];
            for (int d = strides.length - 1; d >= 0; d--) { strides[d] = stride; stride *= t.shape()[d]; }
            for (int s : strides) p.integer(s);
            p.op('t');
            p.op(0x89);                              // requires_grad False
            p.global("collections", "OrderedDict").op(')').op('R');
            p.op('t').op('R');
            i++;
        }
        p.op('u');                                   // SETITEMS
        p.op('s');                                   // top['state_dict'] = od
        p.op('.');
        return p.bytes();
    }

    public static void write(Path file, Map<String, FloatTensor> sd) throws IOException {
        float[][] storages = sd.values().stream().map(FloatTensor::data).toArray(float[][]::new);
        writeRaw(file, statePickle(sd), storages);
    }

    /** A torch-style archive with the given pickle and float storages data/0, data/1, ... */
    public static void writeRaw(Path file, byte[] pickle, float[]... storages) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            stored(z, "archive/data.pkl", pickle);
            stored(z, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < storages.length; i++) {
                ByteBuffer bb = ByteBuffer.allocate(storages[i].length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : storages[i]) bb.putFloat(f);
                stored(z, "archive/data/" + i, bb.array());
            }
            stored(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** A tiny pickle assembler. */
    public static final class Pickle {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream();

        public Pickle op(int op) { b.write(op); return this; }

        public Pickle str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            int n = u.length;
            b.write(n); b.write(n >> 8); b.write(n >> 16); b.write(n >> 24);
            b.writeBytes(u);
            return this;
        }

        public Pickle global(String module, String name) {
            op('c');
            b.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        public Pickle integer(int v) {
            op('J');
            b.write(v); b.write(v >> 8); b.write(v >> 16); b.write(v >> 24);
            return this;
        }

        public byte[] bytes() { return b.toByteArray(); }
    }
}
