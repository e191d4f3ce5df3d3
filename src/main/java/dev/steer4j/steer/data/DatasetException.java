package dev.steer4j.steer.data;

/**
 * A dataset that cannot be used. The message names the file and, where there is one, the line:
 * {@code pairs.jsonl line 7: missing field "negative"}.
 */
public final class DatasetException extends IllegalArgumentException {
    private final String file;
    private final int line;

    public DatasetException(String file, int line, String problem) {
        super(format(file, line, problem));
        this.file = file;
        this.line = line;
    }

    public DatasetException(String file, String problem) {
        this(file, -1, problem);
    }

    /** The file the problem is in, or null for an in-memory dataset. */
    public String file() { return file; }

    /** The 1-based line of the problem, or -1 when it concerns the whole file. */
    public int line() { return line; }

    private static String format(String file, int line, String problem) {
        StringBuilder sb = new StringBuilder();
        if (file != null) sb.append(file);
        if (line > 0) sb.append(sb.isEmpty() ? "" : " ").append("line ").append(line);
        if (!sb.isEmpty()) sb.append(": ");
        return sb.append(problem).toString();
    }
}
