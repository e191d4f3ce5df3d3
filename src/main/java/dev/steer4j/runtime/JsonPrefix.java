package dev.steer4j.runtime;

/**
 * A pushdown automaton over the bytes of JSON text (RFC 8259): it accepts exactly the prefixes of valid JSON and says
 * when the top-level value is finished. Bytes at or above 0x80 are taken as they come inside strings (the text is
 * UTF-8; JSON's grammar only ever needs ASCII). Nesting is bounded by {@link #MAX_DEPTH}, so the whole state is a few
 * numbers and copying it ({@link #copyFrom}) is cheap: {@link JsonConstraint} tries every token of a vocabulary on a
 * copy at each step.
 */
public final class JsonPrefix {
    /** Deepest nesting of objects and arrays accepted. */
    public static final int MAX_DEPTH = 62;

    private static final int VALUE = 0, OBJECT_FIRST = 1, OBJECT_KEY = 2, COLON = 3, AFTER_VALUE = 4, ARRAY_FIRST = 5,
            STRING = 6, ESCAPE = 7, UNICODE = 8, MINUS = 9, ZERO = 10, INT = 11, DOT = 12, FRAC = 13, EXP = 14,
            EXP_SIGN = 15, EXP_DIGITS = 16, LITERAL = 17, DONE = 18;
    private static final byte[][] LITERALS = {"true".getBytes(), "false".getBytes(), "null".getBytes()};

    private int mode;
    /** Bit i set: the container at depth i+1 is an object. */
    private long objects;
    private int depth;
    private boolean key;
    /** UNICODE: hex digits still to come; LITERAL: index of the literal * 8 + bytes matched. */
    private int aux;
    /** Whitespace bytes in a row just read outside strings. */
    private int wsRun;
    private final boolean objectOnly;
    private final int maxWhitespaceRun;

    /** @param objectOnly the top-level value must be an object (OpenAI's {@code json_object}) */
    public JsonPrefix(boolean objectOnly) {
        this(objectOnly, Integer.MAX_VALUE);
    }

    /**
     * @param maxWhitespaceRun the most whitespace bytes accepted in a row between tokens of the grammar (valid JSON
     *                         allows any number; a sampler needs a bound, or a model may pad with blanks forever)
     */
    public JsonPrefix(boolean objectOnly, int maxWhitespaceRun) {
        if (maxWhitespaceRun < 0) throw new IllegalArgumentException("maxWhitespaceRun must be >= 0, got " + maxWhitespaceRun);
        this.objectOnly = objectOnly;
        this.maxWhitespaceRun = maxWhitespaceRun;
    }

    public void copyFrom(JsonPrefix o) {
        mode = o.mode;
        objects = o.objects;
        depth = o.depth;
        key = o.key;
        aux = o.aux;
        wsRun = o.wsRun;
    }

    /** True when the top-level value is finished (only whitespace may follow). */
    public boolean complete() {
        return mode == DONE || (depth == 0 && terminalNumber());
    }

    /** Feeds the bytes; false (the state is then unusable) when they cannot continue valid JSON. */
    public boolean feed(byte[] bytes) {
        for (byte b : bytes) if (!feed(b & 0xff)) return false;
        return true;
    }

    /** Feeds one byte (0-255); false when it cannot continue valid JSON. */
    public boolean feed(int c) {
        if (mode < STRING || mode == DONE || terminalNumber()) { // where whitespace may come (not in strings)
            if (ws(c)) {
                if (wsRun >= maxWhitespaceRun) return false;
                wsRun++;
            } else wsRun = 0;
        }
        switch (mode) {
            case VALUE:
                if (ws(c)) return true;
                return startValue(c);
            case OBJECT_FIRST:
                if (ws(c)) return true;
                if (c == '}') return close();
                if (c == '"') return string(true);
                return false;
            case OBJECT_KEY:
                if (ws(c)) return true;
                return c == '"' && string(true);
            case COLON:
                if (ws(c)) return true;
                if (c != ':') return false;
                mode = VALUE;
                return true;
            case ARRAY_FIRST:
                if (ws(c)) return true;
                if (c == ']') return close();
                return startValue(c);
            case AFTER_VALUE:
                return afterValue(c);
            case STRING:
                if (c == '"') {
                    if (key) mode = COLON;
                    else valueDone();
                    return true;
                }
                if (c == '\\') {
                    mode = ESCAPE;
                    return true;
                }
                return c >= 0x20;
            case ESCAPE:
                if (c == 'u') {
                    mode = UNICODE;
                    aux = 4;
                    return true;
                }
                if ("\"\\/bfnrt".indexOf(c) < 0) return false;
                mode = STRING;
                return true;
            case UNICODE:
                if (Character.digit(c, 16) < 0) return false;
                if (--aux == 0) mode = STRING;
                return true;
            case MINUS:
                if (c == '0') mode = ZERO;
                else if (digit(c)) mode = INT;
                else return false;
                return true;
            case ZERO:
                if (c == '.') mode = DOT;
                else if (c == 'e' || c == 'E') mode = EXP;
                else return endNumber(c);
                return true;
            case INT:
                if (digit(c)) return true;
                if (c == '.') mode = DOT;
                else if (c == 'e' || c == 'E') mode = EXP;
                else return endNumber(c);
                return true;
            case DOT:
                if (!digit(c)) return false;
                mode = FRAC;
                return true;
            case FRAC:
                if (digit(c)) return true;
                if (c == 'e' || c == 'E') {
                    mode = EXP;
                    return true;
                }
                return endNumber(c);
            case EXP:
                if (c == '+' || c == '-') mode = EXP_SIGN;
                else if (digit(c)) mode = EXP_DIGITS;
                else return false;
                return true;
            case EXP_SIGN:
                if (!digit(c)) return false;
                mode = EXP_DIGITS;
                return true;
            case EXP_DIGITS:
                if (digit(c)) return true;
                return endNumber(c);
            case LITERAL: {
                byte[] lit = LITERALS[aux >> 3];
                int at = aux & 7;
                if (c != lit[at]) return false;
                if (at + 1 == lit.length) valueDone();
                else aux++;
                return true;
            }
            case DONE:
                return ws(c);
            default:
                throw new IllegalStateException("mode " + mode);
        }
    }

    /**
     * The fewest bytes that finish the value from here (for example {@code "} then {@code :0}, then one closing
     * bracket per open container). Every state has a one-byte step that lowers it by exactly one.
     */
    public int closeCost() {
        return switch (mode) {
            case DONE -> 0;
            case VALUE -> depth == 0 ? (objectOnly ? 2 : 1) : 1 + depth;
            case OBJECT_FIRST, ARRAY_FIRST, AFTER_VALUE, ZERO, INT, FRAC, EXP_DIGITS -> depth;
            case OBJECT_KEY -> 4 + depth;
            case COLON -> 2 + depth;
            case STRING -> 1 + (key ? 2 : 0) + depth;
            case ESCAPE -> 2 + (key ? 2 : 0) + depth;
            case UNICODE -> aux + 1 + (key ? 2 : 0) + depth;
            case MINUS, DOT, EXP, EXP_SIGN -> 1 + depth;
            case LITERAL -> LITERALS[aux >> 3].length - (aux & 7) + depth;
            default -> throw new IllegalStateException("mode " + mode);
        };
    }

    private boolean terminalNumber() {
        return mode == ZERO || mode == INT || mode == FRAC || mode == EXP_DIGITS;
    }

    private boolean startValue(int c) {
        if (depth == 0 && objectOnly && c != '{') return false;
        switch (c) {
            case '{':
                return open(true);
            case '[':
                return open(false);
            case '"':
                return string(false);
            case '-':
                mode = MINUS;
                return true;
            case 't', 'f', 'n':
                mode = LITERAL;
                aux = (c == 't' ? 0 : c == 'f' ? 1 : 2) << 3 | 1;
                return true;
            default:
                if (c == '0') mode = ZERO;
                else if (digit(c)) mode = INT;
                else return false;
                return true;
        }
    }

    private boolean open(boolean object) {
        if (depth >= MAX_DEPTH) return false;
        if (object) objects |= 1L << depth;
        else objects &= ~(1L << depth);
        depth++;
        mode = object ? OBJECT_FIRST : ARRAY_FIRST;
        return true;
    }

    private boolean string(boolean isKey) {
        key = isKey;
        mode = STRING;
        return true;
    }

    private boolean close() {
        depth--;
        valueDone();
        return true;
    }

    private void valueDone() {
        mode = depth == 0 ? DONE : AFTER_VALUE;
    }

    private boolean afterValue(int c) {
        if (ws(c)) return true;
        boolean inObject = (objects >>> (depth - 1) & 1) != 0;
        if (c == ',') {
            mode = inObject ? OBJECT_KEY : VALUE;
            return true;
        }
        if (c == (inObject ? '}' : ']')) return close();
        return false;
    }

    /** A number ends at the first byte that cannot continue it; that byte is then read as what follows a value. */
    private boolean endNumber(int c) {
        if (depth == 0) {
            mode = DONE;
            return ws(c);
        }
        mode = AFTER_VALUE;
        return afterValue(c);
    }

    private static boolean ws(int c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static boolean digit(int c) {
        return c >= '0' && c <= '9';
    }
}
