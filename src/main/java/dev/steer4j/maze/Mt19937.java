package dev.steer4j.maze;

/**
 * {@code std::mt19937}, the 32-bit Mersenne Twister with the standard single-integer seeding, plus procgen's
 * {@code RandGen} helpers on top of it. Each helper consumes exactly one 32-bit output.
 */
public final class Mt19937 {
    private static final int N = 624, M = 397;
    private final int[] mt = new int[N];
    private int index;
    private long draws;

    public Mt19937(int seed) {
        mt[0] = seed;
        for (int i = 1; i < N; i++) mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
        index = N;
    }

    private void twist() {
        for (int i = 0; i < N; i++) {
            int y = (mt[i] & 0x80000000) | (mt[(i + 1) % N] & 0x7fffffff);
            int v = mt[(i + M) % N] ^ (y >>> 1);
            if ((y & 1) != 0) v ^= 0x9908b0df;
            mt[i] = v;
        }
        index = 0;
    }

    /** The next 32-bit output, as an unsigned value. */
    public long next() {
        if (index >= N) twist();
        int y = mt[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        draws++;
        return y & 0xffffffffL;
    }

    /** procgen {@code randn(n)}: {@code u % n}. */
    public int randn(int n) {
        if (n <= 0) throw new IllegalArgumentException("randn(" + n + ")");
        return (int) (next() % n);
    }

    /** procgen {@code rand01()}: {@code (float)(u / 2^32)}. */
    public float rand01() { return (float) (next() / 4294967296.0); }

    /** procgen {@code randint(lo, hi)}: {@code lo + u % (hi - lo)}. */
    public int randint(int lo, int hi) { return lo + (int) (next() % (hi - lo)); }

    /** Outputs drawn so far. */
    public long draws() { return draws; }

    /** The state as libstdc++ writes it with {@code operator<<}: the 624 words, then the index, space separated. */
    public String stateText() {
        StringBuilder sb = new StringBuilder(N * 11);
        for (int w : mt) sb.append(w & 0xffffffffL).append(' ');
        return sb.append(index).toString();
    }
}
