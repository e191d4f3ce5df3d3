package dev.steer4j.steer;

import java.util.Map;

/**
 * Where a steering vector came from.
 *
 * @param method       extraction method (actadd, mean, pca-diff, pca-center, probe, llama.cpp, ...)
 * @param site         hook site the vector was read at (resid_post by default)
 * @param readPosition which token rows were read (last, mean, answer, diff)
 * @param dataset      dataset name
 * @param datasetHash  SHA-256 of the dataset's content, or null
 * @param model        name of the model it was extracted from
 * @param extra        anything else worth keeping (written to vector files as strings)
 */
public record VectorMetadata(String method, String site, String readPosition, String dataset, String datasetHash,
                             String model, Map<String, String> extra) {
    public VectorMetadata {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public static VectorMetadata unknown() {
        return new VectorMetadata(null, "resid_post", null, null, null, null, Map.of());
    }

    public VectorMetadata withMethod(String m) { return new VectorMetadata(m, site, readPosition, dataset, datasetHash, model, extra); }
}
