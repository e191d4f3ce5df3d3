package dev.steer4j.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The seeded train / held-out split every training command uses: the indices 0..n-1 shuffled with
 * {@code new Random(seed)}, the first {@code round(n · fraction)} (at least one when the fraction is positive) held
 * out, the rest trained on. The same seed and size always give the same split.
 *
 * @param train   indices to train on, in shuffled order
 * @param heldOut indices kept out of training, in shuffled order
 */
public record HeldOutSplit(List<Integer> train, List<Integer> heldOut) {
    public HeldOutSplit {
        train = List.copyOf(train);
        heldOut = List.copyOf(heldOut);
    }

    /**
     * @param what names the items in the error message, for example "happy_sad has 3 pairs"
     */
    public static HeldOutSplit of(int size, double fraction, long seed, String what) {
        if (!(fraction >= 0 && fraction < 1)) throw new IllegalArgumentException("the held-out fraction must be in [0, 1), got " + fraction);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < size; i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        int held = (int) Math.round(size * fraction);
        if (fraction > 0 && held == 0) held = 1;
        if (size - held < 1) throw new IllegalArgumentException(what + ": too few to hold " + held + " out");
        return new HeldOutSplit(order.subList(held, size), order.subList(0, held));
    }

    /** The training items of {@code all}. */
    public <T> List<T> trainOf(List<T> all) { return train.stream().map(all::get).toList(); }

    /** The held-out items of {@code all}. */
    public <T> List<T> heldOutOf(List<T> all) { return heldOut.stream().map(all::get).toList(); }
}
