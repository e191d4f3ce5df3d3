package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;

/** RoPE data llama.cpp's converter derives from {@code config.json} rather than copying from the weights. */
final class HfRope {
    private HfRope() {}

    /**
     * The {@code rope_freqs.weight} values (one divisor per dimension pair) for Llama 3.1-style
     * {@code rope_scaling.rope_type = "llama3"}, as {@code LlamaModel.generate_extra_tensors} computes them, or null
     * for other configs.
     */
    static float[] llama3FreqFactors(HfConfig c, int headDim) {
        JsonNode s = c.object("rope_scaling");
        if (s == null || !"llama3".equals(s.path("rope_type").asText(s.path("type").asText("")))) return null;
        double base = c.getDouble("rope_theta", 10000.0);
        double factor = s.path("factor").asDouble(8.0);
        double low = s.path("low_freq_factor").asDouble(1.0);
        double high = s.path("high_freq_factor").asDouble(4.0);
        double oldCtx = s.path("original_max_position_embeddings").asDouble(8192);
        double lowWavelen = oldCtx / low, highWavelen = oldCtx / high;
        float[] out = new float[headDim / 2];
        for (int i = 0; i < out.length; i++) {
            // the converter computes the frequencies in float32 (torch.arange(0, dim, 2, dtype=torch.float32) / dim)
            float freq = (float) (1.0 / Math.pow(base, (float) (2 * i) / headDim));
            double wavelen = 2 * Math.PI / freq;
            if (wavelen < highWavelen) out[i] = 1f;
            else if (wavelen > lowWavelen) out[i] = (float) factor;
            else {
                double smooth = (oldCtx / wavelen - low) / (high - low);
                out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return out;
    }
}
