package dev.steer4j.format.pytorch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader for the subset that PyTorch state dicts use. It is a data decoder, not a virtual machine: it never
 * imports or calls anything. A GLOBAL is accepted only when it names one of {@link #ALLOWED}; REDUCE is accepted only
 * on {@code collections.OrderedDict} (an empty dict) and {@code torch._utils._rebuild_tensor_v2} (a {@link TensorRef});
 * a persistent id must be a storage tuple. Everything else fails with a {@link CheckpointException} that names the
 * opcode or callable, the byte offset and the file.
 *
 * <p>Values: int → Long, float → Double, str → String, bool → Boolean, None → null, dict → LinkedHashMap,
 * list → ArrayList, tuple → {@link PyTuple}, storage class → {@link PyGlobal}.
 */
public final class SafeUnpickler {
    /** The only globals a state dict needs. */
    public static final Set<PyGlobal> ALLOWED = Set.of(
            new PyGlobal("collections", "OrderedDict"),
            new PyGlobal("torch._utils", "_rebuild_tensor_v2"),
            new PyGlobal("torch", "FloatStorage"));

    private static final Object MARK = new Object();
    private static final int MAX_MEMO = 10_000_000;

    private final byte[] b;
    private final String file;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private SafeUnpickler(byte[] bytes, String file) {
        this.b = bytes;
        this.file = file;
    }

    /** Decodes one pickle; {@code file} names the source in error messages. */
    public static Object load(byte[] bytes, String file) {
        return new SafeUnpickler(bytes, file).run();
    }

    private CheckpointException fail(int at, String what) {
        return new CheckpointException(file + ": " + what + " (pickle byte " + at + ")");
    }

    private Object run() {
        while (true) {
            if (pos >= b.length) throw fail(pos, "pickle ends without STOP");
            int at = pos;
            int op = b[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8(at);
                    if (v > 5) throw fail(at, "pickle protocol " + v + " is not supported (0-5)");
                }
                case 0x95 -> u64(at); // FRAME: framing is transparent for a reader of the whole buffer
                case '.' -> { // STOP
                    Object r = pop(at, "STOP");
                    if (r == MARK) throw fail(at, "STOP with a MARK on the stack");
                    return r;
                }
                case '(' -> { marks.push(stack.size()); stack.add(MARK); }
                case '}' -> stack.add(new LinkedHashMap<>());
                case ']' -> stack.add(new ArrayList<>());
                case ')' -> stack.add(new PyTuple(List.of()));
                case 't' -> stack.add(new PyTuple(popMark(at, "TUPLE")));
                case 0x85 -> stack.add(new PyTuple(List.of(nz(pop(at, "TUPLE1")))));
                case 0x86 -> { Object y = pop(at, "TUPLE2"), x = pop(at, "TUPLE2"); stack.add(new PyTuple(List.of(nz(x), nz(y)))); }
                case 0x87 -> {
                    Object z = pop(at, "TUPLE3"), y = pop(at, "TUPLE3"), x = pop(at, "TUPLE3");
                    stack.add(new PyTuple(List.of(nz(x), nz(y), nz(z))));
                }
                case 'l' -> stack.add(new ArrayList<>(popMark(at, "LIST")));
                case 'd' -> {
                    List<Object> kv = popMark(at, "DICT");
                    stack.add(pairs(at, new LinkedHashMap<>(), kv, "DICT"));
                }
                case 'a' -> { Object v = pop(at, "APPEND"); list(at, peek(at, "APPEND"), "APPEND").add(v); }
                case 'e' -> { List<Object> vs = popMark(at, "APPENDS"); list(at, peek(at, "APPENDS"), "APPENDS").addAll(vs); }
                case 's' -> {
                    Object v = pop(at, "SETITEM"), k = pop(at, "SETITEM");
                    dict(at, peek(at, "SETITEM"), "SETITEM").put(key(at, k), v);
                }
                case 'u' -> {
                    List<Object> kv = popMark(at, "SETITEMS");
                    pairs(at, dict(at, peek(at, "SETITEMS"), "SETITEMS"), kv, "SETITEMS");
                }
                case 'q' -> memo(at, u8(at));
                case 'r' -> memo(at, u32(at));
                case 0x94 -> memo(at, memo.size()); // MEMOIZE
                case 'h' -> get(at, u8(at));
                case 'j' -> get(at, u32(at));
                case 'K' -> stack.add((long) u8(at));
                case 'M' -> stack.add((long) (u8(at) | (u8(at) << 8)));
                case 'J' -> stack.add((long) (int) u32(at));
                case 0x8a -> stack.add(long1(at)); // LONG1
                case 'G' -> { need(at, 8); long bits = 0; for (int i = 0; i < 8; i++) bits = (bits << 8) | (b[pos++] & 0xff); stack.add(Double.longBitsToDouble(bits)); }
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'X' -> stack.add(str(at, u32(at)));
                case 0x8c -> stack.add(str(at, u8(at))); // SHORT_BINUNICODE
                case 'c' -> stack.add(allowed(at, "GLOBAL", new PyGlobal(line(at), line(at))));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(at, "STACK_GLOBAL"), module = pop(at, "STACK_GLOBAL");
                    if (!(module instanceof String m) || !(name instanceof String n)) throw fail(at, "STACK_GLOBAL needs two strings");
                    stack.add(allowed(at, "STACK_GLOBAL", new PyGlobal(m, n)));
                }
                case 'R' -> { Object args = pop(at, "REDUCE"), fn = pop(at, "REDUCE"); stack.add(reduce(at, fn, args)); }
                case 'b' -> { // BUILD: only the attribute dict of an OrderedDict (a state dict's _metadata), which is dropped
                    Object state = pop(at, "BUILD");
                    Object target = peek(at, "BUILD");
                    if (!(target instanceof LinkedHashMap<?, ?>) || !(state instanceof Map<?, ?> || state == null))
                        throw fail(at, "BUILD is only allowed on a dict with a dict state, got " + describe(target));
                }
                case 'Q' -> stack.add(persistent(at, pop(at, "BINPERSID")));
                default -> throw fail(at, String.format("pickle opcode 0x%02x%s is not allowed in a state dict", op,
                        op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
            }
        }
    }

    private static Object nz(Object o) { return o == null ? PyNone.NONE : o; }

    private PyGlobal allowed(int at, String opcode, PyGlobal g) {
        if (!ALLOWED.contains(g))
            throw fail(at, opcode + " " + g.qualified() + " is refused: only " + ALLOWED.stream().map(PyGlobal::qualified).sorted().toList()
                    + " may appear in a state dict; nothing in this file was executed");
        return g;
    }

    private Object reduce(int at, Object fn, Object args) {
        if (!(fn instanceof PyGlobal g)) throw fail(at, "REDUCE on an unknown callable " + describe(fn) + " is refused");
        if (!(args instanceof PyTuple t)) throw fail(at, "REDUCE arguments for " + g + " are not a tuple");
        if (g.equals(new PyGlobal("collections", "OrderedDict"))) {
            if (t.size() != 0) throw fail(at, "REDUCE collections.OrderedDict with arguments is refused");
            return new LinkedHashMap<>();
        }
        if (g.equals(new PyGlobal("torch._utils", "_rebuild_tensor_v2"))) return rebuildTensor(at, t);
        throw fail(at, "REDUCE on " + g + " is refused: it is not a callable a state dict needs");
    }

    private TensorRef rebuildTensor(int at, PyTuple t) {
        if (t.size() < 4) throw fail(at, "_rebuild_tensor_v2 needs (storage, offset, size, stride, ...), got " + t.size() + " arguments");
        if (!(t.get(0) instanceof StorageRef s)) throw fail(at, "_rebuild_tensor_v2: argument 0 is not a storage");
        long offset = integer(at, t.get(1), "storage offset");
        long[] shape = longs(at, t.get(2), "size");
        long[] stride = longs(at, t.get(3), "stride");
        if (shape.length != stride.length) throw fail(at, "_rebuild_tensor_v2: size has " + shape.length + " dims but stride " + stride.length);
        return new TensorRef(s, offset, shape, stride);
    }

    private StorageRef persistent(int at, Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(t.get(0)))
            throw fail(at, "persistent id " + describe(pid) + " is not a ('storage', type, key, location, numel) tuple");
        if (!(t.get(1) instanceof PyGlobal type)) throw fail(at, "persistent id: storage type is not a class");
        String dtype = switch (type.name()) {
            case "FloatStorage" -> "float32";
            default -> throw fail(at, "storage type " + type + " is not supported (float32 only)");
        };
        if (!(t.get(2) instanceof String key) || !key.matches("[0-9A-Za-z_]{1,64}")) throw fail(at, "persistent id: bad storage key " + describe(t.get(2)));
        String location = t.get(3) instanceof String l ? l : String.valueOf(t.get(3));
        long numel = integer(at, t.get(4), "storage numel");
        if (numel < 0) throw fail(at, "negative storage size " + numel);
        return new StorageRef(dtype, key, location, numel);
    }

    private long integer(int at, Object o, String what) {
        if (o instanceof Long l) return l;
        throw fail(at, what + " is not an integer: " + describe(o));
    }

    private long[] longs(int at, Object o, String what) {
        if (!(o instanceof PyTuple t)) throw fail(at, what + " is not a tuple: " + describe(o));
        long[] r = new long[t.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = integer(at, t.get(i), what + "[" + i + "]");
            if (r[i] < 0) throw fail(at, what + "[" + i + "] is negative: " + r[i]);
        }
        return r;
    }

    private Map<Object, Object> pairs(int at, Map<Object, Object> into, List<Object> kv, String opcode) {
        if (kv.size() % 2 != 0) throw fail(at, opcode + " with an odd number of items");
        for (int i = 0; i < kv.size(); i += 2) into.put(key(at, kv.get(i)), kv.get(i + 1));
        return into;
    }

    private Object key(int at, Object k) {
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof PyTuple || k == null) return k;
        throw fail(at, "dict key of type " + describe(k) + " is not supported");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(int at, Object o, String opcode) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw fail(at, opcode + " on " + describe(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(int at, Object o, String opcode) {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail(at, opcode + " on " + describe(o) + ", not a list");
    }

    private static String describe(Object o) {
        if (o == null) return "None";
        if (o == MARK) return "MARK";
        if (o instanceof String s) return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        if (o instanceof PyGlobal g) return g.qualified();
        return o.getClass().getSimpleName();
    }

    private void memo(int at, long index) {
        if (stack.isEmpty()) throw fail(at, "memo PUT on an empty stack");
        if (memo.size() >= MAX_MEMO) throw fail(at, "too many memo entries");
        memo.put(index, stack.getLast());
    }

    private void get(int at, long index) {
        if (!memo.containsKey(index)) throw fail(at, "memo GET of missing entry " + index);
        stack.add(memo.get(index));
    }

    private Object pop(int at, String opcode) {
        if (stack.isEmpty()) throw fail(at, opcode + " on an empty stack");
        Object o = stack.removeLast();
        if (o == MARK) { marks.pop(); if (!opcode.equals("STOP")) throw fail(at, opcode + " popped a MARK"); }
        return o;
    }

    private Object peek(int at, String opcode) {
        if (stack.isEmpty() || stack.getLast() == MARK) throw fail(at, opcode + " has no target on the stack");
        return stack.getLast();
    }

    private List<Object> popMark(int at, String opcode) {
        if (marks.isEmpty()) throw fail(at, opcode + " without a MARK");
        int m = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private void need(int at, long n) {
        if (n < 0 || pos + n > b.length) throw fail(at, "pickle truncated: needs " + n + " more bytes");
    }

    private int u8(int at) { need(at, 1); return b[pos++] & 0xff; }

    private long u32(int at) {
        need(at, 4);
        long v = (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16 | (b[pos + 3] & 0xffL) << 24;
        pos += 4;
        return v;
    }

    private long u64(int at) {
        need(at, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[pos + i] & 0xff);
        pos += 8;
        return v;
    }

    private long long1(int at) {
        int n = u8(at);
        if (n > 8) throw fail(at, "LONG1 of " + n + " bytes is too large");
        need(at, n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) v = (v << 8) | (b[pos + i] & 0xff);
        if (n > 0 && n < 8 && (b[pos + n - 1] & 0x80) != 0) v -= 1L << (8 * n);
        pos += n;
        return v;
    }

    private String str(int at, long n) {
        need(at, n);
        String s = new String(b, pos, (int) n, StandardCharsets.UTF_8);
        pos += (int) n;
        return s;
    }

    private String line(int at) {
        int start = pos;
        while (pos < b.length && b[pos] != '\n') {
            if (pos - start > 256) throw fail(at, "GLOBAL name longer than 256 bytes");
            pos++;
        }
        if (pos >= b.length) throw fail(at, "GLOBAL name without a newline");
        String s = new String(b, start, pos - start, StandardCharsets.US_ASCII);
        pos++;
        return s;
    }
}
