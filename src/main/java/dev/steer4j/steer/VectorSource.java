package dev.steer4j.steer;

import java.nio.file.Path;

/** Where a {@link SteeringSpec}'s vectors come from: files (CLI, Java code) or the server's library. */
public interface VectorSource {
    /** The vector a reference names; {@link NotFound} when there is none of that name. */
    SteeringVector get(SteeringSpec.Ref ref);

    /** How errors name the vector ({@code vector file happy.gguf}, {@code vector 'happy'}). */
    String describe(SteeringSpec.Ref ref);

    /** The LoReFT intervention a name refers to; {@link NotFound} when there is none (the default has none). */
    default ReftIntervention reft(String name) {
        throw new NotFound("no ReFT intervention named " + dev.steer4j.util.SafeText.quoted(name) + " is available here");
    }

    /** No vector of that name. */
    final class NotFound extends IllegalArgumentException {
        public NotFound(String message) { super(message); }
    }

    /** Named vectors are files ({@code .gguf} control vectors or {@code .json}); inline directions are taken as they are. */
    static VectorSource files() {
        return new VectorSource() {
            @Override
            public SteeringVector get(SteeringSpec.Ref ref) {
                if (ref.inline() != null) return SteeringVector.of(ref.inline(), VectorMetadata.unknown().withMethod("inline"));
                Path p = Path.of(ref.name());
                if (!java.nio.file.Files.exists(p)) throw new NotFound("vector file " + p + " does not exist");
                return VectorFiles.read(p);
            }

            @Override
            public String describe(SteeringSpec.Ref ref) {
                return ref.inline() != null ? "inline vector " + ref.inline().keySet() : "vector file " + ref.name();
            }

            @Override
            public ReftIntervention reft(String name) {
                Path p = Path.of(name);
                if (!java.nio.file.Files.exists(p)) throw new NotFound("ReFT file " + p + " does not exist");
                return ReftFile.read(p);
            }
        };
    }
}
