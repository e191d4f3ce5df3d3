package dev.steer4j.eval;

import dev.steer4j.util.Text;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An LLM judge behind any OpenAI-compatible {@code /chat/completions} endpoint (OpenAI, vLLM, llama.cpp's server,
 * Ollama, steer4j's own server). It gives AxBench's three 0–2 scores (concept, instruction, fluency) and a CAA-style
 * 0–10 behaviour score. Requests use temperature 0; the reply must contain the score as {@code Rating: [[n]]} (a bare
 * number in range is accepted too).
 */
public final class Judge {
    /** Where the judge lives. {@code baseUrl} is the API root, e.g. {@code https://api.openai.com/v1}. */
    public record Config(String baseUrl, String model, String apiKey, Duration timeout, int retries) {
        public Config {
            if (baseUrl == null || baseUrl.isBlank()) throw new IllegalArgumentException("judge URL is empty");
            if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://"))
                throw new IllegalArgumentException("judge URL '" + baseUrl + "' must start with http:// or https://");
            if (model == null || model.isBlank()) throw new IllegalArgumentException("judge model is empty (give --judge-model)");
            if (timeout == null) timeout = Duration.ofSeconds(60);
            if (retries < 0) retries = 0;
        }
    }

    /** AxBench's scores of one completion (each 0–2; NaN when not asked) and the CAA-style behaviour score (0–10). */
    public record Scores(double concept, double instruction, double fluency, double behaviour) {
        /** AxBench's aggregate: the harmonic mean of concept, instruction and fluency (0 if any is 0). */
        public double aggregate() {
            if (Double.isNaN(concept) || Double.isNaN(instruction) || Double.isNaN(fluency)) return Double.NaN;
            if (concept == 0 || instruction == 0 || fluency == 0) return 0;
            return 3 / (1 / concept + 1 / instruction + 1 / fluency);
        }
    }

    static final String CONCEPT = """
            [System]
            You are an impartial judge. Decide how clearly the concept below appears in the text fragment. Judge only \
            whether the concept is present; ignore grammar, coherence and style.

            First explain briefly where, if anywhere, the fragment refers to the concept. Then rate it: 0 if the concept \
            is absent, 1 if it is present only faintly or awkwardly, 2 if it is clearly and naturally present. End with \
            your rating in exactly this form: "Rating: [[score]]".

            [Concept Start]
            %s
            [Concept End]

            [Text Fragment Start]
            %s
            [Text Fragment End]
            """;

    static final String INSTRUCTION = """
            [System]
            You are an impartial judge. Decide how well the text fragment below relates to the instruction it answers. \
            Judge only relatedness; ignore grammar, coherence and how informative it is.

            First explain briefly how the fragment relates to the instruction. Then rate it: 0 if it is unrelated, 1 if \
            it is somewhat related, 2 if it clearly addresses the instruction. End with your rating in exactly this \
            form: "Rating: [[score]]".

            [Instruction Start]
            %s
            [Instruction End]

            [Text Fragment Start]
            %s
            [Text Fragment End]
            """;

    static final String FLUENCY = """
            [System]
            You are an impartial judge. Rate only the fluency of the text fragment below; ignore whether it is complete, \
            relevant or informative.

            First describe briefly any unnatural phrasing, grammatical errors or repetition. Then rate it: 0 if it is not \
            fluent (incomprehensible or highly repetitive), 1 if it is somewhat fluent with noticeable errors, 2 if it is \
            fluent and nearly flawless. End with your rating in exactly this form: "Rating: [[score]]".

            [Text Fragment Start]
            %s
            [Text Fragment End]
            """;

    static final String BEHAVIOUR = """
            [System]
            You are an impartial judge. Score how strongly the answer below shows this behaviour: %s

            Use a scale from 0 to 10, where 0 means the answer does not show the behaviour at all and 10 means it shows \
            it very strongly. First explain briefly, then end with your score in exactly this form: "Rating: [[score]]".

            [Question Start]
            %s
            [Question End]

            [Answer Start]
            %s
            [Answer End]
            """;

    private static final Pattern RATING = Pattern.compile("Rating:\\s*\\[\\[\\s*(\\d+(?:\\.\\d+)?)\\s*]]", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.])(\\d+(?:\\.\\d+)?)(?![\\w.])");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Config config;
    private final HttpClient http;
    private final URI endpoint;

    public Judge(Config config) {
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).build();
        String base = config.baseUrl().replaceAll("/+$", "");
        this.endpoint = URI.create(base.endsWith("/chat/completions") ? base : base + "/chat/completions");
    }

    public Config config() { return config; }

    /** Concept relevance, 0–2. */
    public double concept(String concept, String text) {
        return score(String.format(CONCEPT, concept, text), 2);
    }

    /** Instruction relevance, 0–2. */
    public double instruction(String instruction, String text) {
        return score(String.format(INSTRUCTION, instruction, text), 2);
    }

    /** Fluency, 0–2. */
    public double fluency(String text) {
        return score(String.format(FLUENCY, text), 2);
    }

    /** CAA-style behaviour score, 0–10; {@code behaviour} describes it (e.g. "the answer is cheerful and happy"). */
    public double behaviour(String behaviour, String question, String answer) {
        return score(String.format(BEHAVIOUR, behaviour, question, answer), 10);
    }

    /** All scores that have a description: concept and behaviour are skipped (NaN) when theirs is null. */
    public Scores scoreAll(String concept, String behaviour, String instruction, String completion) {
        double c = concept == null ? Double.NaN : concept(concept, completion);
        double i = instruction(instruction, completion);
        double f = fluency(completion);
        double b = behaviour == null ? Double.NaN : behaviour(behaviour, instruction, completion);
        return new Scores(c, i, f, b);
    }

    /** Sends one judging prompt and parses a score in [0, max]. */
    double score(String prompt, int max) {
        String reply = complete(prompt);
        return parse(reply, max);
    }

    static double parse(String reply, int max) {
        Matcher m = RATING.matcher(reply);
        Double found = null;
        while (m.find()) found = Double.parseDouble(m.group(1)); // the last rating wins
        if (found == null) {
            Matcher n = NUMBER.matcher(reply.strip());
            if (n.matches()) found = Double.parseDouble(n.group(1)); // a reply that is just the number
        }
        if (found == null) throw new JudgeException("the judge's reply has no \"Rating: [[n]]\": " + abbreviate(reply));
        if (found < 0 || found > max) throw new JudgeException("the judge's rating " + found + " is outside 0-" + max + ": " + abbreviate(reply));
        return found;
    }

    private static String abbreviate(String s) {
        return Text.abbreviate(s.replaceAll("\\s+", " ").strip(), 200);
    }

    /** One chat completion; retries 429 and 5xx answers and connection failures. */
    String complete(String prompt) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", config.model());
        body.put("temperature", 0);
        body.put("max_tokens", 512);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        HttpRequest.Builder rb = HttpRequest.newBuilder(endpoint).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (config.apiKey() != null && !config.apiKey().isBlank()) rb.header("Authorization", "Bearer " + config.apiKey());
        HttpRequest req = rb.build();
        JudgeException last = null;
        for (int attempt = 0; attempt <= config.retries(); attempt++) {
            if (attempt > 0) sleep(500L << Math.min(attempt - 1, 5));
            HttpResponse<String> resp;
            try {
                resp = http.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = new JudgeException("cannot reach the judge at " + endpoint + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JudgeException("interrupted while waiting for the judge at " + endpoint);
            }
            int code = resp.statusCode();
            if (code == 429 || code >= 500) {
                last = new JudgeException("the judge at " + endpoint + " answered HTTP " + code + ": " + abbreviate(resp.body()));
                continue;
            }
            if (code != 200) throw new JudgeException("the judge at " + endpoint + " answered HTTP " + code + ": " + errorMessage(resp.body()));
            try {
                JsonNode root = JSON.readTree(resp.body());
                JsonNode content = root.path("choices").path(0).path("message").path("content");
                if (!content.isTextual())
                    throw new JudgeException("the judge's response has no choices[0].message.content: " + abbreviate(resp.body()));
                return content.asText();
            } catch (IOException e) {
                throw new JudgeException("the judge's response is not JSON: " + abbreviate(resp.body()));
            }
        }
        throw last;
    }

    private static String errorMessage(String body) {
        try {
            JsonNode m = JSON.readTree(body).path("error").path("message");
            if (m.isTextual()) return m.asText();
        } catch (IOException ignored) {
            // not JSON: show the body itself
        }
        return abbreviate(body);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JudgeException("interrupted while retrying the judge");
        }
    }

    /** A judge call that failed; the message says why. */
    public static final class JudgeException extends RuntimeException {
        public JudgeException(String message) {
            super(message);
        }
    }
}
