package dev.steer4j.steer.data;

import dev.steer4j.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Positive and negative prompts for extracting a steering direction. Formats that come in pairs (pairs, CAA,
 * repeng) have one negative per positive; two prompt lists may differ in length, and methods that need pairs
 * ({@link #requirePairs}) pair them by index.
 *
 * @param name          short name (usually the file's stem), kept in the vector's metadata
 * @param sha256        SHA-256 of the source bytes (of every source file, concatenated in order), hex
 * @param format        the format it was read from
 * @param positives     prompts that show the behaviour
 * @param negatives     prompts that do not
 * @param positiveSource where the positives came from (file name), used in error messages
 * @param negativeSource where the negatives came from
 */
public record ContrastiveDataset(String name, String sha256, DatasetFormat format, List<Prompt> positives,
                                 List<Prompt> negatives, String positiveSource, String negativeSource) {

    public ContrastiveDataset {
        positives = List.copyOf(positives);
        negatives = List.copyOf(negatives);
        if (positives.isEmpty() && negatives.isEmpty()) throw new DatasetException(positiveSource, "empty dataset (no examples)");
        if (positives.isEmpty()) throw new DatasetException(positiveSource, "empty dataset (no positive prompts)");
        if (negatives.isEmpty()) throw new DatasetException(negativeSource, "empty dataset (no negative prompts)");
    }

    /** An in-memory dataset of pairs; the hash is over the texts. */
    public static ContrastiveDataset ofPairs(String name, List<String> positives, List<String> negatives) {
        if (positives.size() != negatives.size())
            throw new DatasetException(null, "unequal pair counts: " + positives.size() + " positive and " + negatives.size() + " negative prompts");
        return new ContrastiveDataset(name, hashTexts(positives, negatives), DatasetFormat.PAIRS,
                positives.stream().map(Prompt::of).toList(), negatives.stream().map(Prompt::of).toList(), name, name);
    }

    /** Positive and negative lists that need not be paired (difference-in-means); the hash is over the texts. */
    public static ContrastiveDataset ofLists(String name, List<String> positives, List<String> negatives) {
        return new ContrastiveDataset(name, hashTexts(positives, negatives), DatasetFormat.LISTS,
                positives.stream().map(Prompt::of).toList(), negatives.stream().map(Prompt::of).toList(),
                "positive list", "negative list");
    }

    public int size() { return positives.size() + negatives.size(); }

    /** True when every positive has a negative at the same index. */
    public boolean paired() { return positives.size() == negatives.size(); }

    /** True when every prompt marks its answer token. */
    public boolean hasAnswers() {
        return positives.stream().allMatch(Prompt::hasAnswer) && negatives.stream().allMatch(Prompt::hasAnswer);
    }

    /**
     * Fails unless positives and negatives pair up by index.
     *
     * @param purpose why pairs are needed, for the message (e.g. "method pca-diff pairs them by index")
     */
    public void requirePairs(String purpose) {
        if (paired()) return;
        String where = positiveSource.equals(negativeSource) ? positiveSource + ": " : "";
        throw new DatasetException(null, where + "unequal pair counts: " + positiveSource + " has " + positives.size()
                + " positive prompts but " + negativeSource + " has " + negatives.size() + " negative prompts (" + purpose + ")");
    }

    /** The first {@code n} positives and the first {@code n} negatives. */
    public ContrastiveDataset limit(int n) {
        if (n <= 0) throw new IllegalArgumentException("limit must be positive, got " + n);
        return new ContrastiveDataset(name, sha256, format, positives.subList(0, Math.min(n, positives.size())),
                negatives.subList(0, Math.min(n, negatives.size())), positiveSource, negativeSource);
    }

    static String hashTexts(List<String> positives, List<String> negatives) {
        MessageDigest md = Sha256.digest();
        for (String s : positives) { md.update(s.getBytes(StandardCharsets.UTF_8)); md.update((byte) 0); }
        md.update((byte) 1);
        for (String s : negatives) { md.update(s.getBytes(StandardCharsets.UTF_8)); md.update((byte) 0); }
        return HexFormat.of().formatHex(md.digest());
    }



    /** Positives and negatives as text, for logging and tests. */
    public List<String> positiveTexts() { return texts(positives); }
    public List<String> negativeTexts() { return texts(negatives); }

    private static List<String> texts(List<Prompt> ps) {
        List<String> out = new ArrayList<>(ps.size());
        for (Prompt p : ps) out.add(p.text());
        return out;
    }
}
