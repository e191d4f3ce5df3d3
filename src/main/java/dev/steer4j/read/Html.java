package dev.steer4j.read;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.loader.ClasspathResourceLocator;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Renders steer4j's self-contained HTML pages (reports, heatmaps) from the Jinja templates under
 * {@code steer4j/templates/} on the classpath. Pages carry their CSS and images inline, load nothing from the
 * network and need no JavaScript.
 */
public final class Html {
    private static final String BASE = "steer4j/templates/";
    private static final Jinjava JINJAVA = create();

    private Html() {}

    private static Jinjava create() {
        Jinjava j = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).withFailOnUnknownTokens(false).build());
        j.setResourceLocator(new ClasspathResourceLocator());
        return j;
    }

    /** Renders {@code steer4j/templates/<name>} with the given variables. */
    public static String render(String name, Map<String, Object> context) {
        String template = resource(name);
        RenderResult r = JINJAVA.renderForResult(template, context);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL)
                throw new IllegalStateException("template " + name + " line " + e.getLineno() + ": " + e.getMessage());
        }
        return r.getOutput();
    }

    static String resource(String name) {
        try (InputStream in = Html.class.getClassLoader().getResourceAsStream(BASE + name)) {
            if (in == null) throw new IllegalStateException("missing template " + BASE + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a page atomically (a temporary file moved into place). */
    public static void write(Path file, String html) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Formats a number for tables: 4 significant digits, plain notation where it reads well. */
    public static String num(double v) {
        if (Double.isNaN(v)) return "–";
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            String s = String.format(java.util.Locale.ROOT, "%.4g", v);
            if (s.contains("e")) return String.format(java.util.Locale.ROOT, "%.3e", v);
            if (s.contains(".")) s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
            return s;
        }
        return String.format(java.util.Locale.ROOT, "%.3e", v);
    }
}
