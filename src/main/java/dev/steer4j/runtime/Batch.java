package dev.steer4j.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * One forward step over several sequences: each entry appends {@code count} tokens to its sequence. A prompt's
 * prefill is a batch of one entry with many tokens; continuous batching is many entries of one token each.
 */
public final class Batch {
    /** One sequence's slice of the batch. */
    public static final class Entry {
        SequenceState sequence;
        int[] tokens;
        int from;
        int count;
        boolean allLogits;
        int firstRow;
        int firstLogitRow;
        /** Where this entry's rows start in the attention-pattern buffer, and its number of keys (this step only). */
        int patternBase;
        int patternKeys;

        Entry(SequenceState sequence, int[] tokens, int from, int count, boolean allLogits) {
            set(sequence, tokens, from, count, allLogits);
        }

        void set(SequenceState sequence, int[] tokens, int from, int count, boolean allLogits) {
            this.sequence = sequence;
            this.tokens = tokens;
            this.from = from;
            this.count = count;
            this.allLogits = allLogits;
        }

        public SequenceState sequence() { return sequence; }
        public int count() { return count; }
        /** Index of this entry's first logits row in {@link Workspace#logits()}. */
        public int firstLogitRow() { return firstLogitRow; }
        public int logitRows() { return allLogits ? count : 1; }
    }

    private final List<Entry> entries = new ArrayList<>();
    /** Entry objects kept across {@link #clear()}, so that a step of a reused batch allocates nothing. */
    private final List<Entry> spares = new ArrayList<>();

    /**
     * Adds tokens[from, from+count) to {@code sequence}; logits for every row or only the last. The returned entry
     * (and those of {@link #entries()}) is reused after {@link #clear()}.
     */
    public Entry add(SequenceState sequence, int[] tokens, int from, int count, boolean allLogits) {
        if (count <= 0) throw new IllegalArgumentException("a batch entry needs at least one token");
        for (int i = 0, n = entries.size(); i < n; i++)
            if (entries.get(i).sequence == sequence) throw new IllegalArgumentException("a sequence can appear once per batch");
        Entry e;
        if (entries.size() < spares.size()) {
            e = spares.get(entries.size());
            e.set(sequence, tokens, from, count, allLogits);
        } else {
            e = new Entry(sequence, tokens, from, count, allLogits);
            spares.add(e);
        }
        entries.add(e);
        return e;
    }

    public Entry add(SequenceState sequence, int[] tokens, boolean allLogits) {
        return add(sequence, tokens, 0, tokens.length, allLogits);
    }

    /** Makes this batch the single entry tokens[from, from+count) of {@code sequence}, reusing its entry object. */
    Entry set(SequenceState sequence, int[] tokens, int from, int count, boolean allLogits) {
        entries.clear();
        return add(sequence, tokens, from, count, allLogits);
    }

    public List<Entry> entries() { return entries; }
    public void clear() { entries.clear(); }
    public boolean isEmpty() { return entries.isEmpty(); }
}
