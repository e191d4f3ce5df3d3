package dev.steer4j.runtime;

import java.util.List;

/**
 * Cuts generated text at the first stop string, and holds back a tail that could still become one, so a stream never
 * shows the start of a stop string it later cuts.
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder all = new StringBuilder();
    private int emitted;
    private boolean stopped;

    public StopStrings(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Appends a piece; returns the text that is now safe to show. */
    public String accept(String piece) {
        if (stopped) return "";
        all.append(piece);
        int cut = -1;
        for (String s : stops) {
            int i = all.indexOf(s, Math.max(0, emitted - s.length() + 1));
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            stopped = true;
            all.setLength(cut);
            String s = cut > emitted ? all.substring(emitted) : "";
            emitted = all.length();
            return s;
        }
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, all.length() - emitted); k > hold; k--) {
                if (endsWithPrefix(s, k)) {
                    hold = k;
                    break;
                }
            }
        }
        int upto = all.length() - hold;
        String s = all.substring(emitted, upto);
        emitted = upto;
        return s;
    }

    private boolean endsWithPrefix(String s, int k) {
        int base = all.length() - k;
        for (int i = 0; i < k; i++) if (all.charAt(base + i) != s.charAt(i)) return false;
        return true;
    }

    /** At the end of generation: whatever was held back (nothing after a stop). */
    public String flush(String last) {
        if (stopped) return "";
        all.append(last);
        String s = all.substring(emitted);
        emitted = all.length();
        return s;
    }

    public boolean stopped() { return stopped; }

    /** The whole text so far, cut at the stop string. */
    public String text() { return all.toString(); }
}
