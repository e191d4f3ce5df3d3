package dev.steer4j.model.hf;

import dev.steer4j.model.ModelException;

import java.util.regex.Pattern;

/**
 * A model on the Hugging Face hub, written {@code hf:ORG/NAME[@REVISION]} (revision: a branch, tag or commit;
 * default {@code main}).
 */
public record HfRepoRef(String repo, String revision) {
    public static final String PREFIX = "hf:";
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public static boolean isRef(String s) {
        return s != null && s.startsWith(PREFIX);
    }

    public static HfRepoRef parse(String s) {
        if (!isRef(s)) throw new ModelException("'" + s + "' is not a hub reference (hf:ORG/NAME[@REVISION])");
        String body = s.substring(PREFIX.length());
        String rev = "main";
        int at = body.indexOf('@');
        if (at >= 0) {
            rev = body.substring(at + 1);
            body = body.substring(0, at);
        }
        String[] parts = body.split("/", -1);
        if (parts.length != 2 || !PART.matcher(parts[0]).matches() || !PART.matcher(parts[1]).matches() || body.contains(".."))
            throw new ModelException("'" + s + "': expected hf:ORG/NAME[@REVISION], with ORG and NAME made of letters, digits, '.', '_' and '-'");
        if (rev.isEmpty() || rev.contains("..") || rev.startsWith("/") || !rev.matches("[A-Za-z0-9._/-]{1,200}"))
            throw new ModelException("'" + s + "': bad revision '" + rev + "'");
        return new HfRepoRef(body, rev);
    }

    /** The cache folder name, {@code models--ORG--NAME}. */
    public String cacheFolder() {
        return "models--" + repo.replace("/", "--");
    }

    public boolean revisionIsCommit() {
        return COMMIT.matcher(revision).matches();
    }

    @Override
    public String toString() {
        return PREFIX + repo + (revision.equals("main") ? "" : "@" + revision);
    }
}
