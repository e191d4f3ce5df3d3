package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.cli.SteeringOptions;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.ConditionRule;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.steer.SteeringSpec.Ref;
import dev.steer4j.steer.SteeringSpecException;
import dev.steer4j.steer.VectorSource;
import dev.steer4j.testutil.Fixtures;
import dev.steer4j.util.LayerList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The same steering requests through the three entry points (CLI options, the HTTP body, the Java API): each valid
 * case gives the same steering (bit-identical logits after a steered forward pass, different from the unsteered
 * ones), and each invalid case the same error (same reason, the field named in that entry point's terms).
 */
class SteeringEntryPointsTest {
    @TempDir
    static Path dir;
    static Model model;
    static ServedModel served;
    static final int[] PROMPT = {1, 403, 407, 261, 378, 429, 297};
    static float[] unsteered;
    static ForwardPass fp;

    /** cvec0 has directions for layers 1-4, cvec1 for 1-4, cvec2 for layer 2 only. */
    static String file(int i) { return dir.resolve("cvec" + i + ".gguf").toString(); }

    @BeforeAll
    static void setUp() throws Exception {
        model = ServeTestSupport.model();
        for (int i = 0; i < 3; i++) Files.copy(Fixtures.resource("reference/stories260K/cvec-" + i + ".gguf"), Path.of(file(i)));
        served = new ServedModel(model, "stories260K", null, ServeTestSupport.options(dir), new VectorLibrary(dir, model), null, 0);
        fp = new ForwardPass(model);
        unsteered = logits(Steering.none());
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    /** One request in the three spellings: CLI arguments, the steering fields of an HTTP body, Java code. */
    record Case(String name, String[] cli, String http, SteeringSpec java) {}

    static Case c(String name, String cli, String http, SteeringSpec java) {
        String[] args = cli.replace("V0", file(0)).replace("V1", file(1)).replace("V2", file(2)).split(" ");
        return new Case(name, args, http, java);
    }

    static Ref v(int i) { return Ref.named(file(i)); }

    static SteeringSpec.Add add(int i, double coef) {
        return new SteeringSpec.Add(v(i), coef, LayerList.ALL, HookSite.RESID_POST, PositionFilter.ALL);
    }

    static final SteeringSpec J = SteeringSpec.none();

    static List<Case> valid() {
        return List.of(
                c("add", "--vector V0:0.8", "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 0.8}]", J.add(add(0, 0.8))),
                c("add with layers, site and positions", "--vector V0:2 --layers 2-3 --steer-site resid_mid --positions from:3",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 2, \"layers\": \"2-3\", \"site\": \"resid_mid\", \"positions\": \"from:3\"}]",
                        J.add(new SteeringSpec.Add(v(0), 2, LayerList.range(2, 3), HookSite.RESID_MID, PositionFilter.from(3)))),
                c("a layer list that is not a range", "--vector V0:2 --layers 1,3-4",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 2, \"layers\": \"1,3-4\"}]",
                        J.add(new SteeringSpec.Add(v(0), 2, LayerList.of(1, 3, 4), HookSite.RESID_POST, PositionFilter.ALL))),
                c("negative layers count from the end", "--vector V0:2 --layers -2--1",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 2, \"layers\": [-2, -1]}]",
                        J.add(new SteeringSpec.Add(v(0), 2, LayerList.parse("-2--1"), HookSite.RESID_POST, PositionFilter.ALL))),
                c("llama.cpp's control-vector spellings, negative range end", "--control-vector-scaled V0 2 --control-vector-layer-range 2 -2",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 2, \"layers\": \"2--2\"}]",
                        J.add(new SteeringSpec.Add(v(0), 2, LayerList.range(2, 3), HookSite.RESID_POST, PositionFilter.ALL))),
                c("clamp with keep-norm", "--vector V0:1 --clamp V1:3 --keep-norm",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1}], \"clamp\": [{\"vector\": \"cvec1\", \"value\": 3}], \"keep_norm\": true",
                        J.add(add(0, 1)).clamp(new SteeringSpec.Clamp(v(1), 3, LayerList.ALL, HookSite.RESID_POST, PositionFilter.ALL)).keepNorm(true)),
                c("ablate one layer of a multi-layer vector", "--ablate V0:3", "\"ablate\": [{\"vector\": \"cvec0\", \"layer\": 3}]",
                        J.ablate(new SteeringSpec.Ablate(v(0), 3))),
                c("ablate the last layer's direction", "--ablate V0:-1", "\"ablate\": [{\"vector\": \"cvec0\", \"layer\": -1}]",
                        J.ablate(new SteeringSpec.Ablate(v(0), 4))),
                c("ablate a one-layer vector", "--ablate V2", "\"ablate\": [\"cvec2\"]", J.ablate(new SteeringSpec.Ablate(v(2), null))),
                c("CAST reading the last token", "--vector V0:4 --condition V2:2:-0.9 --condition-read last",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 4}], \"condition\": [{\"vector\": \"cvec2\", \"layer\": 2, \"threshold\": -0.9, \"aggregate\": \"last\"}]",
                        J.add(add(0, 4)).when(new SteeringSpec.When(v(2), 2, -0.9, Condition.Comparison.ABOVE, Condition.Aggregate.LAST))),
                c("CAST at a layer counted from the end", "--vector V0:4 --condition V2:-3:-0.9",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 4}], \"condition\": [{\"vector\": \"cvec2\", \"layer\": -3, \"threshold\": -0.9}]",
                        J.add(add(0, 4)).when(new SteeringSpec.When(v(2), 2, -0.9, null, null))),
                c("CAST, two conditions, rule or", "--vector V0:4 --condition V2:2:<0.9 --condition V0:1:0.99 --condition-rule or",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 4}], \"condition\": [{\"vector\": \"cvec2\", \"layer\": 2, \"threshold\": 0.9, \"comparison\": \"below\"}, "
                                + "{\"vector\": \"cvec0\", \"layer\": 1, \"threshold\": 0.99}], \"condition_rule\": \"or\"",
                        J.add(add(0, 4)).when(new SteeringSpec.When(v(2), 2, 0.9, Condition.Comparison.BELOW, null))
                                .when(new SteeringSpec.When(v(0), 1, 0.99, null, null)).rule(ConditionRule.OR)));
    }

    /** An invalid case: the field in each entry point's terms (CLI, HTTP, Java) and the reason ({v}: the vector as that entry point names it). */
    record Bad(Case c, String cliField, String httpField, String javaField, int vector, String reason) {}

    static List<Bad> invalid() {
        return List.of(
                new Bad(c("multi-layer ablate", "--ablate V0", "\"ablate\": [\"cvec0\"]", J.ablate(new SteeringSpec.Ablate(v(0), null))),
                        "--ablate", "ablate[0]", "ablate[0].vector", 0, "{v} has directions for layers [1, 2, 3, 4]; choose one with "),
                new Bad(c("ablate a layer the vector lacks", "--ablate V2:3", "\"ablate\": [{\"vector\": \"cvec2\", \"layer\": 3}]", J.ablate(new SteeringSpec.Ablate(v(2), 3))),
                        "--ablate", "ablate[0].layer", "ablate[0].layer", 2, "{v} has no direction for layer 3 (it has layers [2])"),
                new Bad(c("no direction in the layers", "--vector V2:1 --layers 3-4", "\"steering\": [{\"vector\": \"cvec2\", \"coefficient\": 1, \"layers\": [3, 4]}]",
                        J.add(new SteeringSpec.Add(v(2), 1, LayerList.range(3, 4), null, null))),
                        "--layers", "steering[0].layers", "add[0].layers", 2, "{v} has no direction in layers 3-4 (it has layers [2])"),
                new Bad(c("clamp outside the vector's layers", "--clamp V2:1 --layers 0-1", "\"clamp\": [{\"vector\": \"cvec2\", \"value\": 1, \"layers\": \"0-1\"}]",
                        J.clamp(new SteeringSpec.Clamp(v(2), 1, LayerList.range(0, 1), null, null))),
                        "--layers", "clamp[0].layers", "clamp[0].layers", 2, "{v} has no direction in layers 0-1 (it has layers [2])"),
                new Bad(c("condition layer the vector lacks", "--vector V0:1 --condition V0:0:0.1",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1}], \"condition\": [{\"vector\": \"cvec0\", \"layer\": 0, \"threshold\": 0.1}]",
                        J.add(add(0, 1)).when(new SteeringSpec.When(v(0), 0, 0.1, null, null))),
                        "--condition", "condition[0].layer", "condition[0].layer", 0, "{v} has no direction for layer 0 (it has layers [1, 2, 3, 4])"),
                new Bad(c("condition layer outside the model", "--vector V0:1 --condition V2:7:0.1",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1}], \"condition\": [{\"vector\": \"cvec2\", \"layer\": 7, \"threshold\": 0.1}]",
                        J.add(add(0, 1)).when(new SteeringSpec.When(v(2), 7, 0.1, null, null))),
                        "--condition", "condition[0].layer", "condition[0].layer", 2, "layer 7 does not exist (the model has layers 0-4)"),
                new Bad(c("a negative layer before the first", "--vector V0:1 --layers=-6", "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1, \"layers\": -6}]",
                        J.add(new SteeringSpec.Add(v(0), 1, LayerList.parse("-6"), null, null))),
                        "--layers", "steering[0].layers", "add[0].layers", 0,
                        "layer -6 does not exist (the model has 5 layers: counting from the end, -1 is the last and -5 the first)"),
                new Bad(c("a mixed-sign range that runs backwards", "--clamp V0:1 --layers 4--3", "\"clamp\": [{\"vector\": \"cvec0\", \"value\": 1, \"layers\": [4, -3]}]",
                        J.clamp(new SteeringSpec.Clamp(v(0), 1, LayerList.parse("4--3"), null, null))),
                        "--layers", "clamp[0].layers", "clamp[0].layers", 0,
                        "'4--3': the range '4--3' is layers 4 to 2 on a model with 5 layers, which runs backwards"),
                new Bad(c("ablate a negative layer outside the model", "--ablate V0:-7", "\"ablate\": [{\"vector\": \"cvec0\", \"layer\": -7}]",
                        J.ablate(new SteeringSpec.Ablate(v(0), -7))),
                        "--ablate", "ablate[0].layer", "ablate[0].layer", 0,
                        "layer -7 does not exist (the model has 5 layers: counting from the end, -1 is the last and -5 the first)"),
                new Bad(c("threshold that is not a cosine", "--vector V0:1 --condition V2:2:1.5",
                        "\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1}], \"condition\": [{\"vector\": \"cvec2\", \"layer\": 2, \"threshold\": 1.5}]",
                        J.add(add(0, 1)).when(new SteeringSpec.When(v(2), 2, 1.5, null, null))),
                        "--condition", "condition[0].threshold", "condition[0].threshold", 2, "threshold 1.5 is not a cosine in [-1, 1]"),
                new Bad(c("a condition with nothing to gate", "--condition V2:2:0.1", "\"condition\": [{\"vector\": \"cvec2\", \"layer\": 2, \"threshold\": 0.1}]",
                        J.when(new SteeringSpec.When(v(2), 2, 0.1, null, null))),
                        "--condition", "condition", "condition", 2, "a condition gates steering, but there is none (add "));
    }

    // ------------------------------------------------------------------ the three entry points

    static Steering viaCli(String[] args) {
        SteeringOptions o = new SteeringOptions();
        new CommandLine(o).parseArgs(args);
        return o.build(model);
    }

    static Steering viaHttp(String fields) throws Exception {
        JsonNode body = ServeTestSupport.JSON.readTree("{\"prompt\": \"x\", " + fields + "}");
        return new RequestSteering(served).build(ServeRequest.parse(body, false), new LinkedHashMap<>());
    }

    static Steering viaJava(SteeringSpec s) {
        return s.resolve(model, VectorSource.files()).steering();
    }

    static float[] logits(Steering s) {
        SequenceState seq = new SequenceState(model, PROMPT.length);
        try (var a = s.applyTo(seq)) {
            return fp.forward(seq, PROMPT, false);
        }
    }

    @Test
    void everyValidCaseGivesTheSameSteeringThroughEveryEntryPoint() throws Exception {
        for (Case k : valid()) {
            float[] cli = logits(viaCli(k.cli())), http = logits(viaHttp(k.http())), java = logits(viaJava(k.java()));
            assertArrayEquals(java, cli, k.name() + ": CLI vs Java");
            assertArrayEquals(java, http, k.name() + ": HTTP vs Java");
            assertFalse(Arrays.equals(unsteered, java), k.name() + ": the steering changes nothing");
        }
    }

    @Test
    void everyInvalidCaseGivesTheSameErrorThroughEveryEntryPoint() {
        for (Bad b : invalid()) {
            String name = b.c().name();
            SteeringSpecException cli = assertThrows(SteeringSpecException.class, () -> viaCli(b.c().cli()), name + " (CLI)");
            ApiException http = assertThrows(ApiException.class, () -> viaHttp(b.c().http()), name + " (HTTP)");
            SteeringSpecException java = assertThrows(SteeringSpecException.class, () -> viaJava(b.c().java()), name + " (Java)");
            assertEquals(b.cliField(), cli.field(), name);
            assertEquals(b.httpField(), http.param(), name);
            assertEquals(b.javaField(), java.field(), name);
            assertEquals(400, http.status(), name);
            String fileReason = b.reason().replace("{v}", "vector file " + file(b.vector()));
            String httpReason = "'" + b.httpField() + "': " + b.reason().replace("{v}", "vector 'cvec" + b.vector() + "'");
            assertTrue(cli.reason().startsWith(fileReason), name + ": " + cli.reason());
            assertTrue(java.reason().startsWith(fileReason), name + ": " + java.reason());
            assertTrue(http.getMessage().startsWith(httpReason), name + ": " + http.getMessage());
            if (!b.reason().endsWith(" ")) {
                assertEquals(fileReason, cli.reason(), name);
                assertEquals(fileReason, java.reason(), name);
                assertEquals(httpReason, http.getMessage(), name);
            }
        }
    }

    @Test
    void negativeLayersAreTheLayersCountedFromTheEnd() throws Exception {
        float[] positive = logits(viaCli(new String[]{"--vector", file(0) + ":2", "--layers", "3-4"}));
        assertArrayEquals(positive, logits(viaCli(new String[]{"--vector", file(0) + ":2", "--layers", "-2--1"})));
        assertArrayEquals(positive, logits(viaCli(new String[]{"--vector", file(0) + ":2", "-l", "3--1"})));
        assertArrayEquals(positive, logits(viaHttp("\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 2, \"layers\": \"-2--1\"}]")));
        float[] last = logits(viaCli(new String[]{"--vector", file(0) + ":2", "--layers", "4"}));
        assertArrayEquals(last, logits(viaCli(new String[]{"--vector", file(0) + ":2", "--layers", "-1"})));
        assertArrayEquals(last, logits(viaHttp("\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 2, \"layers\": -1}]")));
        assertArrayEquals(logits(viaCli(new String[]{"--ablate", file(0) + ":4"})), logits(viaCli(new String[]{"--ablate", file(0) + ":-1"})));
        // llama.cpp's spellings: --control-vector FILE is scale 1, --control-vector-scaled FILE S is --vector FILE:S
        assertArrayEquals(logits(viaCli(new String[]{"--vector", file(0) + ":1"})), logits(viaCli(new String[]{"--control-vector", file(0)})));
        assertArrayEquals(logits(viaCli(new String[]{"--vector", file(0) + ":1"})), logits(viaCli(new String[]{"--vector", file(0)})));
        assertArrayEquals(positive, logits(viaCli(new String[]{"--control-vector-scaled", file(0), "2", "--control-vector-layer-range", "3", "4"})));
        assertEquals("give --layers or --control-vector-layer-range, not both", assertThrows(IllegalArgumentException.class,
                () -> viaCli(new String[]{"--vector", file(0), "--layers", "1", "--control-vector-layer-range", "3", "4"})).getMessage());
        // same-sign ranges that run backwards are refused as they are read, by both entry points
        assertEquals("Invalid value for option '--layers': '-1--3': the range '-1--3' runs backwards",
                assertThrows(CommandLine.ParameterException.class, () -> viaCli(new String[]{"--vector", file(0), "--layers", "-1--3"})).getMessage());
        ApiException back = assertThrows(ApiException.class, () -> viaHttp("\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1, \"layers\": [-1, -3]}]"));
        assertEquals(400, back.status());
        assertEquals("steering[0].layers", back.param());
        assertEquals("'steering[0].layers' must be [from, to] with from <= to (0 <= from <= to, or negative from the end), got [-1,-3]", back.getMessage());
    }

    @Test
    void aMissingVectorIsNotFoundEverywhere() {
        SteeringSpecException cli = assertThrows(SteeringSpecException.class, () -> viaCli(new String[]{"--vector", dir.resolve("nope.gguf") + ":1"}));
        ApiException http = assertThrows(ApiException.class, () -> viaHttp("\"steering\": [{\"vector\": \"nope\", \"coefficient\": 1}]"));
        SteeringSpecException java = assertThrows(SteeringSpecException.class, () -> viaJava(J.add(new SteeringSpec.Add(Ref.named(dir.resolve("nope.gguf").toString()), 1, null, null, null))));
        assertTrue(cli.notFound() && java.notFound());
        assertEquals(404, http.status());
        assertEquals(List.of("--vector", "steering[0].vector", "add[0].vector"), List.of(cli.field(), http.param(), java.field()));
        assertEquals("vector file " + dir.resolve("nope.gguf") + " does not exist", cli.reason());
    }

    @Test
    void theGrammarOfValuesIsShared() {
        Map<String, String[]> cases = new LinkedHashMap<>();
        // value, CLI option, HTTP field inside steering[0]
        cases.put("later", new String[]{"--positions", "positions"});
        cases.put("resid", new String[]{"--steer-site", "site"});
        cases.put("2-1", new String[]{"--layers", "layers"});
        Map<String, Function<String, Object>> parse = Map.of("positions", SteeringSpec::parsePositions, "site", SteeringSpec::parseSite, "layers", SteeringSpec::parseLayers);
        for (var e : cases.entrySet()) {
            String value = e.getKey(), option = e.getValue()[0], field = e.getValue()[1];
            String reason = assertThrows(IllegalArgumentException.class, () -> parse.get(field).apply(value)).getMessage();
            ApiException http = assertThrows(ApiException.class, () -> viaHttp("\"steering\": [{\"vector\": \"cvec0\", \"coefficient\": 1, \"" + field + "\": \"" + value + "\"}]"));
            assertEquals("steering[0]." + field, http.param());
            assertEquals("'steering[0]." + field + "': " + reason, http.getMessage());
            List<String> args = new ArrayList<>(List.of("--vector", file(0) + ":1", option, value));
            if (!field.equals("positions")) {
                // picocli reads --layers and --steer-site itself, through converters on the same grammar
                CommandLine.ParameterException p = assertThrows(CommandLine.ParameterException.class, () -> viaCli(args.toArray(String[]::new)));
                assertEquals("Invalid value for option '" + option + "': " + reason, p.getMessage());
            } else {
                SteeringSpecException cli = assertThrows(SteeringSpecException.class, () -> viaCli(args.toArray(String[]::new)));
                assertEquals(option, cli.field());
                assertEquals(reason, cli.reason());
            }
        }
    }
}
