package dev.steer4j.model.hf;

import java.nio.file.Path;

/** Display names for Hugging Face models. */
final class HfNames {
    private HfNames() {}

    /**
     * {@code ORG/NAME} for a hub-cache snapshot ({@code .../models--ORG--NAME/snapshots/REV}), else the config's
     * {@code _name_or_path} when it is a plain name, else the directory name.
     */
    static String modelName(Path dir, HfConfig c) {
        Path snapshots = dir.getParent();
        if (snapshots != null && snapshots.getFileName() != null && snapshots.getFileName().toString().equals("snapshots")) {
            Path repo = snapshots.getParent();
            String n = repo == null || repo.getFileName() == null ? "" : repo.getFileName().toString();
            if (n.startsWith("models--")) return n.substring("models--".length()).replace("--", "/");
        }
        String p = c.getString("_name_or_path", null);
        if (p != null && !p.isBlank() && !p.startsWith("/") && !p.startsWith(".")) return p;
        return dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    }
}
