package dev.steer4j.cnn;

/** The heads of an actor-critic policy for one observation: raw action logits and the value estimate. */
public record PolicyOutput(float[] logits, float value) {
    /** softmax(logits), computed in double. */
    public double[] probabilities() {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        double s = 0;
        for (int i = 0; i < p.length; i++) s += p[i] = Math.exp(logits[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= s;
        return p;
    }

    public int argmax() {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
