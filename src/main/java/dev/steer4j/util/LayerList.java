package dev.steer4j.util;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A set of layers in the one layer-list grammar every entry point reads: {@code 3}, {@code 1-4}, {@code 1,3,5-7} or
 * {@code all}. A list is sorted and free of duplicates; {@link #resolve(int)} checks it against a model's layer count.
 * A range built in code may be open-ended ({@code to = Integer.MAX_VALUE}: every layer from {@code from} on).
 *
 * <p>Negative indices count from the end, as in repeng and Python: {@code -1} is the last layer, {@code -3--1} the
 * last three, {@code 2--1} layer 2 to the last. Such a list is <em>relative</em> until {@link #within(int)} resolves
 * it against a model's layer count (the one place an out-of-range index or a range that runs backwards once resolved
 * is refused); asking a relative list which layers it holds ({@link #select}, {@link #contains}, ...) is a programming
 * error.
 */
public final class LayerList {
    /** The grammar, as error messages quote it. */
    public static final String FORM = "a layer list such as 3, 1-4, 1,3,5-7, -1 (the last layer), -3--1 or all";

    /** Every layer. */
    public static final LayerList ALL = new LayerList(List.of(new int[]{0, Integer.MAX_VALUE}), true);

    /** Inclusive runs [from, to], sorted and disjoint. */
    private final List<int[]> runs;
    private final boolean all;
    /** The parts as written, some with negative ends, when the list is relative; null otherwise. */
    private final List<int[]> relative;

    private LayerList(List<int[]> runs, boolean all) {
        this.runs = runs;
        this.all = all;
        this.relative = null;
    }

    private LayerList(List<int[]> relative) {
        this.runs = List.of();
        this.all = false;
        this.relative = List.copyOf(relative);
    }

    /** Layers {@code from..to} inclusive; {@code to = Integer.MAX_VALUE} leaves the range open. */
    public static LayerList range(int from, int to) {
        if (from < 0 || to < from) throw new IllegalArgumentException("layer range " + from + "-" + to + " is empty or negative");
        if (from == 0 && to == Integer.MAX_VALUE) return ALL;
        return new LayerList(List.of(new int[]{from, to}), false);
    }

    public static LayerList of(int... layers) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int l : layers) {
            if (l < 0) throw new IllegalArgumentException("layer " + l + " is negative");
            s.add(l);
        }
        if (s.isEmpty()) throw new IllegalArgumentException("the layer list is empty");
        return fromSet(s);
    }

    /**
     * Parses {@code 3}, {@code 1-4}, {@code 1,3,5-7}, {@code -1}, {@code -3--1}, {@code 2--1} or {@code all}. The
     * message of the exception says what is wrong without naming the option or field: callers prefix their own name
     * for it. A range whose ends have the same sign and run backwards ({@code 4-1}, {@code -1--3}) is refused here;
     * one with mixed signs ({@code 5--4}) is checked by {@link #within(int)}.
     */
    public static LayerList parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("the layer list is empty (expected " + FORM + ")");
        String s = spec.trim();
        if (s.equalsIgnoreCase("all")) return ALL;
        List<int[]> parts = new ArrayList<>();
        boolean negative = false;
        for (String part : s.split(",", -1)) {
            String p = part.trim();
            int a, b;
            try {
                int dash = p.indexOf('-', 1);
                a = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                b = dash < 0 ? a : Integer.parseInt(p.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + spec + "' is not a layer list: '" + p + "' is not a layer or a range like 1-4 or -3--1 (expected " + FORM + ")");
            }
            if ((a < 0) == (b < 0) && b < a)
                throw new IllegalArgumentException("'" + spec + "': the range '" + p + "' runs backwards");
            negative |= a < 0 || b < 0;
            parts.add(new int[]{a, b});
        }
        if (negative) return new LayerList(parts);
        TreeSet<Integer> out = new TreeSet<>();
        for (int[] r : parts) for (int l = r[0]; l <= r[1]; l++) out.add(l);
        return fromSet(out);
    }

    /** True when the list has negative indices and needs {@link #within(int)} before it names layers. */
    public boolean isRelative() { return relative != null; }

    /**
     * The list with negative indices resolved against a model of {@code count} layers ({@code -1} = {@code count - 1});
     * {@code this} when nothing is negative. An index outside the model or a range that runs backwards once resolved
     * is refused with the value and the valid range named. A list without negative indices comes back as is: callers
     * check its layers against the vector and the model in their own terms.
     */
    public LayerList within(int count) {
        if (relative == null) return this;
        TreeSet<Integer> out = new TreeSet<>();
        for (int[] r : relative) {
            int a = index(r[0], count), b = index(r[1], count);
            if (b < a)
                throw new IllegalArgumentException("'" + this + "': the range '" + part(r) + "' is layers " + a + " to " + b
                        + " on a model with " + count + " layers, which runs backwards");
            for (int l = a; l <= b; l++) out.add(l);
        }
        return fromSet(out);
    }

    /**
     * One layer index against a model of {@code count} layers: {@code 0..count-1} as is, {@code -count..-1} from the
     * end. Anything else is refused with the value and the valid range named.
     */
    public static int index(int layer, int count) {
        if (layer >= count)
            throw new IllegalArgumentException("layer " + layer + " does not exist (the model has layers 0-" + (count - 1) + ")");
        if (layer < -count)
            throw new IllegalArgumentException("layer " + layer + " does not exist (the model has " + count + " layers: counting from the end, -1 is the last and -"
                    + count + " the first)");
        return layer < 0 ? count + layer : layer;
    }

    private static String part(int[] r) {
        return r[0] == r[1] ? Integer.toString(r[0]) : r[0] + "-" + r[1];
    }

    private void absolute() {
        if (relative != null)
            throw new IllegalStateException("layer list '" + this + "' has negative indices: resolve it with within(layerCount) first");
    }

    private static LayerList fromSet(TreeSet<Integer> s) {
        List<int[]> runs = new ArrayList<>();
        for (int l : s) {
            int[] last = runs.isEmpty() ? null : runs.getLast();
            if (last != null && last[1] == l - 1) last[1] = l;
            else runs.add(new int[]{l, l});
        }
        return new LayerList(List.copyOf(runs), false);
    }

    public boolean isAll() { return all; }

    public boolean contains(int layer) {
        absolute();
        for (int[] r : runs) if (layer >= r[0] && layer <= r[1]) return true;
        return false;
    }

    /** The first layer of the list. */
    public int first() {
        absolute();
        return runs.getFirst()[0];
    }

    /** The layers, or {@code whenAll} for {@code all} and open-ended ranges. */
    public List<Integer> orElse(java.util.Collection<Integer> whenAll) {
        absolute();
        if (all) return List.copyOf(whenAll);
        List<Integer> out = new ArrayList<>();
        for (int[] r : runs) {
            if (r[1] == Integer.MAX_VALUE) {
                for (int l : whenAll) if (l >= r[0] && !out.contains(l)) out.add(l);
            } else for (int l = r[0]; l <= r[1]; l++) out.add(l);
        }
        return out;
    }

    /** The entries of {@code m} whose layer is in the list, in layer order. */
    public <V> SortedMap<Integer, V> select(NavigableMap<Integer, V> m) {
        absolute();
        if (all) return m;
        TreeMap<Integer, V> out = new TreeMap<>();
        for (int[] r : runs) out.putAll(m.subMap(r[0], true, r[1], true));
        return out;
    }

    /** The layers, checked against a model with {@code count} layers ({@code all}: 0..count-1). */
    public int[] resolve(int count) {
        if (relative != null) return within(count).resolve(count);
        List<Integer> out = new ArrayList<>();
        for (int[] r : runs) {
            int to = all || r[1] == Integer.MAX_VALUE ? count - 1 : r[1];
            if (!all && r[1] != Integer.MAX_VALUE && r[1] >= count)
                index(r[1], count);
            for (int l = r[0]; l <= to; l++) out.add(l);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code all}, or the runs as {@code 1-4,6}; an open range is {@code 2-}. */
    @Override
    public String toString() {
        if (all) return "all";
        if (relative != null) {
            StringBuilder sb = new StringBuilder();
            for (int[] r : relative) sb.append(sb.isEmpty() ? "" : ",").append(part(r));
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder();
        for (int[] r : runs) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(r[0]);
            if (r[1] == Integer.MAX_VALUE) sb.append('-');
            else if (r[1] != r[0]) sb.append('-').append(r[1]);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof LayerList l) || l.all != all || l.runs.size() != runs.size()) return false;
        if (relative != null || l.relative != null) return relative != null && l.relative != null && toString().equals(l.toString());
        for (int i = 0; i < runs.size(); i++)
            if (runs.get(i)[0] != l.runs.get(i)[0] || runs.get(i)[1] != l.runs.get(i)[1]) return false;
        return true;
    }

    @Override
    public int hashCode() {
        if (relative != null) return toString().hashCode();
        int h = all ? 1 : 0;
        for (int[] r : runs) h = 31 * (31 * h + r[0]) + r[1];
        return h;
    }
}
