package dev.steer4j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every command's {@code --help} ends with examples that parse, has real placeholder names, and prints no picocli
 * warning; one option vocabulary: a concept (vector, layers, site, temperature, seed, threads, ...) is spelled the
 * same in every command that takes it.
 */
class HelpAndVocabularyTest {
    /** Every command path below {@code steer4j}, "" for the root, each with its CommandLine. */
    static Map<String, CommandLine> commands() {
        Map<String, CommandLine> out = new LinkedHashMap<>();
        walk(new CommandLine(new Main()), "", out);
        return out;
    }

    private static void walk(CommandLine cl, String path, Map<String, CommandLine> out) {
        out.put(path, cl);
        for (var e : cl.getSubcommands().entrySet())
            if (!e.getKey().equals("help") && e.getValue().getCommandSpec().name().equals(e.getKey()))
                walk(e.getValue(), path.isEmpty() ? e.getKey() : path + " " + e.getKey(), out);
    }

    /** A command line as a shell splits it (double quotes group words); a trailing "  (comment)" is dropped. */
    static List<String> words(String line) {
        int comment = line.indexOf("  (");
        String s = comment >= 0 ? line.substring(0, comment) : line;
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false, any = false;
        for (char c : s.toCharArray()) {
            if (c == '"') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted) {
                if (any) out.add(w.toString());
                w.setLength(0);
                any = false;
            } else { w.append(c); any = true; }
        }
        if (any) out.add(w.toString());
        return out;
    }

    static final Pattern FIELD_PLACEHOLDER = Pattern.compile("(=|\\[|\\s)<[A-Za-z]+>(?![.\\w])");

    @Test
    void everyHelpHasExamplesThatParseAndRealPlaceholders() {
        assertTrue(commands().size() >= 28, "commands: " + commands().keySet());
        for (String path : commands().keySet()) {
            List<String> args = new ArrayList<>(path.isEmpty() ? List.of() : List.of(path.split(" ")));
            args.add("--help");
            CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
            String what = "steer4j " + path + " --help";
            assertEquals(0, r.exitCode(), what + ": " + r.err());
            assertEquals("", r.err(), what + " printed to stderr (a picocli warning?)");
            assertFalse(r.out().contains("[picocli"), what + ": " + r.out());
            assertFalse(FIELD_PLACEHOLDER.matcher(r.out()).find(), what + " has a placeholder made from a field name: " + r.out());
            int at = r.out().indexOf("\nExamples:\n");
            assertTrue(at >= 0, what + " has no Examples section:\n" + r.out());
            List<String> examples = new ArrayList<>();
            boolean continued = false;
            for (String l : r.out().substring(at + "\nExamples:\n".length()).lines().toList()) {
                if (!l.startsWith("  ")) break;
                assertTrue(l.length() <= 80, what + ": a line picocli would wrap: " + l);
                String t = l.strip();
                boolean more = t.endsWith(" \\");
                if (more) t = t.substring(0, t.length() - 2);
                if (continued) examples.set(examples.size() - 1, examples.getLast() + " " + t);
                else examples.add(t);
                continued = more;
            }
            assertFalse(examples.isEmpty(), what);
            for (String e : examples) {
                List<String> w = words(e);
                assertEquals("steer4j", w.getFirst(), what + ": " + e);
                if (!path.isEmpty())
                    assertEquals(path, String.join(" ", w.subList(1, 1 + path.split(" ").length)), what + ": an example of another command: " + e);
                CommandLine fresh = new CommandLine(new Main());
                try {
                    fresh.parseArgs(w.subList(1, w.size()).toArray(String[]::new));
                } catch (CommandLine.ParameterException p) {
                    fail(what + ": example does not parse: " + e + " (" + p.getMessage() + ")");
                }
            }
        }
    }

    /** A concept, the names that mark an option as being about it, and the names every such option must show. */
    record Concept(String name, Set<String> marks, List<String> spelling, String defaultValue, Set<String> exempt) {}

    static final List<Concept> CONCEPTS = List.of(
            new Concept("vector file", Set.of("--vector", "--direction", "-v"), List.of("-v", "--vector"), null, Set.of()),
            new Concept("layer list", Set.of("--layers"), List.of("-l", "--layers"), null, Set.of()),
            new Concept("one layer", Set.of("--layer"), List.of("-l", "--layer"), null,
                    // a maze policy's layer is a named CNN layer (embedder.block2.res1.resadd_out), not a block index
                    Set.of("maze show", "maze vector", "maze eval", "maze rollout")),
            new Concept("hook site", Set.of("--site", "--steer-site"), List.of("--site"), "resid_post", Set.of()),
            new Concept("temperature", Set.of("--temp", "--temperature"), List.of("--temp", "--temperature"), "0.8", Set.of()),
            new Concept("seed", Set.of("--seed"), List.of("--seed"), null, Set.of()),
            new Concept("threads", Set.of("-t", "--threads"), List.of("-t", "--threads"), null, Set.of()),
            new Concept("coefficients", Set.of("--coefficients"), List.of("--coefficients"), null, Set.of()),
            new Concept("model", Set.of("-m", "--model"), List.of("-m", "--model"), null, Set.of()),
            new Concept("prompt", Set.of("-p", "--prompt"), List.of("-p", "--prompt"), null, Set.of()),
            new Concept("dataset", Set.of("-d", "--data"), List.of("-d", "--data"), null, Set.of()),
            new Concept("output", Set.of("-o", "--output"), List.of("-o", "--output"), null, Set.of()));

    @Test
    void everyConceptIsSpelledTheSameInEveryCommand() {
        Map<String, Set<String>> users = new LinkedHashMap<>();
        for (var e : commands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            for (Concept c : CONCEPTS) {
                if (c.exempt().contains(e.getKey())) continue;
                for (OptionSpec o : spec.options()) {
                    if (o.hidden() || Arrays.stream(o.names()).noneMatch(c.marks()::contains)) continue;
                    String where = "steer4j " + e.getKey() + " " + String.join("|", o.names());
                    assertEquals(c.spelling(), List.of(o.names()), where + ": " + c.name() + " is spelled " + c.spelling());
                    if (c.defaultValue() != null) assertEquals(c.defaultValue(), o.defaultValue(), where + ": default of " + c.name());
                    users.computeIfAbsent(c.name(), k -> new TreeSet<>()).add(e.getKey());
                }
            }
        }
        // the table is about real commands: each concept is taken by the commands named here (at least)
        assertTrue(users.get("vector file").containsAll(Set.of("generate", "logits", "activations", "compare", "sweep", "read", "lens", "detect", "orthogonalize")), users.toString());
        assertTrue(users.get("layer list").containsAll(Set.of("generate", "compare", "sweep", "lens", "extract", "guard calibrate")), users.toString());
        assertTrue(users.get("one layer").containsAll(Set.of("read", "train-vector", "unlearn")), users.toString());
        assertTrue(users.get("hook site").containsAll(Set.of("generate", "extract", "read", "detect")), users.toString());
        assertTrue(users.get("temperature").containsAll(Set.of("generate", "compare", "sweep")), users.toString());
        assertTrue(users.get("threads").size() >= 15, users.toString());
    }

    @Test
    void oldSpellingsStillRunButAreHidden() {
        CommandLine generate = commands().get("generate");
        assertTrue(generate.getCommandSpec().findOption("--steer-site").hidden());
        assertTrue(commands().get("orthogonalize").getCommandSpec().findOption("--direction").hidden());
        CliRunner.Result site = CliRunner.run("logits", "-p", "x", "--steer-site", "hook_mlp_out", "--site", "resid_pre", "--top", "1");
        assertEquals(0, site.exitCode(), site.err());
    }

    @Test
    void everyFormOfAHookSiteIsTheSameSite() {
        String v = dev.steer4j.testutil.Fixtures.resource("reference/stories260K/cvec-0.gguf").toString();
        String plain = CliRunner.run("read", "-v", v, "-l", "3", "-p", "Once upon a time", "--json").out();
        for (String form : List.of("resid_post", "hook_resid_post", "blocks.3.hook_resid_post", " RESID_POST "))
            assertEquals(plain, CliRunner.run("read", "-v", v, "-l", "3", "-p", "Once upon a time", "--json", "--site", form).out(), form);
        String mlp = CliRunner.run("detect", "-v", v, "--positive", "src/test/resources/guard/happy.txt", "--negative", "src/test/resources/guard/sad.txt",
                "--site", "mlp_out", "--json").out();
        assertEquals(mlp, CliRunner.run("detect", "-v", v, "--positive", "src/test/resources/guard/happy.txt", "--negative", "src/test/resources/guard/sad.txt",
                "--site", "blocks.0.hook_mlp_out", "--json").out());
        assertTrue(mlp.contains("hook_mlp_out"), mlp);
        String steered = CliRunner.run("logits", "-p", "Once upon a time", "--json", "--vector", v + ":2", "--site", "attn_out").out();
        assertEquals(steered, CliRunner.run("logits", "-p", "Once upon a time", "--json", "--vector", v + ":2", "--site", "blocks.1.hook_attn_out").out());
        assertEquals(steered, CliRunner.run("logits", "-p", "Once upon a time", "--json", "--vector", v + ":2", "--site", "hook_attn_out").out());
        CliRunner.Result bad = CliRunner.run("detect", "-v", v, "--positive", "a.txt", "--negative", "b.txt", "--site", "resid");
        assertEquals(2, bad.exitCode());
        assertEquals("Invalid value for option '--site': unknown hook site 'resid' (valid: " + dev.steer4j.runtime.HookSite.PER_LAYER_FORMS + ")",
                bad.err().lines().findFirst().orElseThrow());
    }
}
