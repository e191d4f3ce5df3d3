package dev.steer4j.eval;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Parses the sweep grid: layer lists and coefficient ranges. */
public final class Grid {
    private Grid() {}

    /**
     * Coefficients as {@code start:stop:step} (stop included when the steps land on it), a comma list
     * ({@code -1,0,1.5}) or one number. Values are computed in decimal, so {@code -2:2:0.5} gives exactly
     * -2, -1.5, ..., 2.
     */
    public static List<Double> coefficients(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("coefficient list is empty");
        String s = spec.strip();
        List<Double> out = new ArrayList<>();
        try {
            if (s.contains(":")) {
                String[] p = s.split(":");
                if (p.length != 3) throw new IllegalArgumentException("coefficient range '" + spec + "' must be start:stop:step, e.g. -2:2:0.5");
                BigDecimal a = new BigDecimal(p[0].strip()), b = new BigDecimal(p[1].strip()), st = new BigDecimal(p[2].strip());
                if (st.signum() <= 0) throw new IllegalArgumentException("coefficient step " + st.toPlainString() + " must be positive");
                if (b.compareTo(a) < 0) throw new IllegalArgumentException("coefficient range '" + spec + "' has stop below start");
                int n = 0;
                for (BigDecimal x = a; x.compareTo(b) <= 0; x = x.add(st)) {
                    if (++n > 10000) throw new IllegalArgumentException("coefficient range '" + spec + "' has more than 10000 values");
                    out.add(x.doubleValue());
                }
            } else {
                for (String p : s.split(",")) out.add(Double.parseDouble(p.strip()));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cannot read coefficients '" + spec + "': use start:stop:step (e.g. -2:2:0.5) or a list (e.g. -1,0,1)");
        }
        for (double d : out) if (!Double.isFinite(d)) throw new IllegalArgumentException("coefficient " + d + " is not finite");
        return List.copyOf(new LinkedHashSet<>(out));
    }

    /** A coefficient as short text: {@code 0.5}, {@code -2}, {@code 0}. */
    public static String format(double c) {
        if (c == 0) return "0";
        return BigDecimal.valueOf(c).stripTrailingZeros().toPlainString();
    }
}
