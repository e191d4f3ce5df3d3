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
 */
public final class LayerList {
    /** The grammar, as error messages quote it. */
    public static final String FORM = "a layer list such as 3, 1-4, 1,3,5-7 or all";

    /** Every layer. */
    public static final LayerList ALL = new LayerList(List.of(new int[]{0, Integer.MAX_VALUE}), true);

    /** Inclusive runs [from, to], sorted and disjoint. */
    private final List<int[]> runs;
    private final boolean all;

    private LayerList(List<int[]> runs, boolean all) {
        this.runs = runs;
        this.all = all;
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
     * Parses {@code 3}, {@code 1-4}, {@code 1,3,5-7} or {@code all}. The message of the exception says what is wrong
     * without naming the option or field: callers prefix their own name for it.
     */
    public static LayerList parse(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("the layer list is empty (expected " + FORM + ")");
        String s = spec.trim();
        if (s.equalsIgnoreCase("all")) return ALL;
        TreeSet<Integer> out = new TreeSet<>();
        for (String part : s.split(",", -1)) {
            String p = part.trim();
            int a, b;
            try {
                int dash = p.indexOf('-', 1);
                a = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                b = dash < 0 ? a : Integer.parseInt(p.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + spec + "' is not a layer list: '" + p + "' is not a layer or a range like 1-4 (expected " + FORM + ")");
            }
            if (a < 0) throw new IllegalArgumentException("'" + spec + "': layer " + a + " is negative");
            if (b < a) throw new IllegalArgumentException("'" + spec + "': the range '" + p + "' runs backwards");
            for (int l = a; l <= b; l++) out.add(l);
        }
        return fromSet(out);
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
        for (int[] r : runs) if (layer >= r[0] && layer <= r[1]) return true;
        return false;
    }

    /** The first layer of the list. */
    public int first() { return runs.getFirst()[0]; }

    /** The layers, or {@code whenAll} for {@code all} and open-ended ranges. */
    public List<Integer> orElse(java.util.Collection<Integer> whenAll) {
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
        if (all) return m;
        TreeMap<Integer, V> out = new TreeMap<>();
        for (int[] r : runs) out.putAll(m.subMap(r[0], true, r[1], true));
        return out;
    }

    /** The layers, checked against a model with {@code count} layers ({@code all}: 0..count-1). */
    public int[] resolve(int count) {
        List<Integer> out = new ArrayList<>();
        for (int[] r : runs) {
            int to = all || r[1] == Integer.MAX_VALUE ? count - 1 : r[1];
            if (!all && r[1] != Integer.MAX_VALUE && r[1] >= count)
                throw new IllegalArgumentException("layer " + r[1] + " does not exist (the model has layers 0-" + (count - 1) + ")");
            for (int l = r[0]; l <= to; l++) out.add(l);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code all}, or the runs as {@code 1-4,6}; an open range is {@code 2-}. */
    @Override
    public String toString() {
        if (all) return "all";
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
        for (int i = 0; i < runs.size(); i++)
            if (runs.get(i)[0] != l.runs.get(i)[0] || runs.get(i)[1] != l.runs.get(i)[1]) return false;
        return true;
    }

    @Override
    public int hashCode() {
        int h = all ? 1 : 0;
        for (int[] r : runs) h = 31 * (31 * h + r[0]) + r[1];
        return h;
    }
}
