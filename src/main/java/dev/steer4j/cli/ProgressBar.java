package dev.steer4j.cli;

import dev.steer4j.read.Progress;

import java.io.PrintStream;

/**
 * A progress bar with an ETA on standard error. On a terminal it redraws one line; otherwise (logs, pipes) it prints
 * a line at most every 10 seconds and at the end. Units done before the first update (a resumed sweep) do not count
 * towards the rate.
 */
final class ProgressBar implements Progress {
    private final PrintStream err;
    private final String what;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long firstDone = -1;
    private long lastPrint;
    private int lastLength;
    private boolean finished;
    private final String unit;
    private long lastDone = -1, lastTotal, printedDone = -1;
    private String lastLabel;

    ProgressBar(String what) {
        this(System.err, what, "done", onTerminal());
    }

    /** A bar for work of unknown total, counted in {@code unit} (e.g. "prompts"). */
    ProgressBar(String what, String unit) {
        this(System.err, what, unit, onTerminal());
    }

    /**
     * Whether the bar may redraw in place. Since JDK 22 {@code System.console()} is non-null even when the streams are
     * redirected (logs, pipes), so ask {@link java.io.Console#isTerminal()}.
     */
    static boolean onTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    ProgressBar(PrintStream err, String what, String unit, boolean tty) {
        this.err = err;
        this.what = what;
        this.unit = unit;
        this.tty = tty;
    }

    @Override
    public synchronized void update(long done, long total, String label) {
        long now = System.nanoTime();
        lastDone = done;
        lastTotal = total;
        lastLabel = label;
        if (firstDone < 0) firstDone = done - 1 < 0 ? 0 : done - 1;
        boolean end = total > 0 && done >= total;
        if (!end && now - lastPrint < (tty ? 100_000_000L : 10_000_000_000L)) return;
        print(now, done, total, label);
    }

    private void print(long now, long done, long total, String label) {
        boolean end = total > 0 && done >= total;
        lastPrint = now;
        printedDone = done;
        String line = render(done, total, label, (now - start) / 1e9);
        if (tty) {
            String pad = line.length() < lastLength ? " ".repeat(lastLength - line.length()) : "";
            err.print("\r" + line + pad);
            lastLength = line.length();
            if (end) err.println();
        } else {
            err.println(line);
        }
        err.flush();
        finished = end;
    }

    String render(long done, long total, String label, double elapsed) {
        StringBuilder b = new StringBuilder(what).append(' ');
        if (total > 0) {
            int width = 28;
            int fill = (int) Math.min(width, Math.round(width * (double) done / total));
            b.append('[').append("#".repeat(fill)).append(" ".repeat(width - fill)).append("] ");
            b.append(done).append('/').append(total).append(String.format(" %3d%%", Math.round(100.0 * done / total)));
            long fresh = done - firstDone;
            b.append("  elapsed ").append(time(elapsed));
            if (done < total) b.append("  ETA ").append(fresh > 0 ? time(elapsed / fresh * (total - done)) : "?");
        } else {
            b.append(done).append(' ').append(unit).append("  elapsed ").append(time(elapsed));
        }
        if (label != null && !label.isEmpty()) b.append("  ").append(label);
        return b.toString();
    }

    /** Ends the line when the bar stopped before its total (an error or an unknown total). */
    synchronized void close() {
        if (!finished && lastDone >= 0 && printedDone != lastDone) print(System.nanoTime(), lastDone, lastTotal, lastLabel);
        if (tty && lastLength > 0 && !finished) err.println();
    }

    static String time(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }
}
