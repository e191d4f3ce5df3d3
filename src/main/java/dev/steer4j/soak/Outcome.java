package dev.steer4j.soak;

/**
 * The result of one soak request.
 *
 * @param kind   OK (what was expected), BUSY (429), FAILED (a valid request that did not succeed, or a bad request
 *               answered with a status other than the expected 4xx), SERVER_ERROR (any 5xx)
 * @param nanos  wall time of the request (all of a vector's upload, use and delete)
 * @param detail what went wrong, for the report's examples; null when OK
 * @param blocked for GUARD: whether the guard blocked the prompt
 */
record Outcome(Scenario scenario, Kind kind, long nanos, String detail, boolean blocked) {
    enum Kind { OK, BUSY, FAILED, SERVER_ERROR }

    static Outcome ok(Scenario s, long nanos) { return new Outcome(s, Kind.OK, nanos, null, false); }

    /** The outcome of an HTTP status: {@code expected} is OK, 429 BUSY, 5xx SERVER_ERROR, anything else FAILED. */
    static Outcome of(Scenario s, int status, int expected, long nanos, String body) {
        Kind k = status == expected ? Kind.OK : status == 429 ? Kind.BUSY : status >= 500 ? Kind.SERVER_ERROR : Kind.FAILED;
        return new Outcome(s, k, nanos, k == Kind.OK || k == Kind.BUSY ? null : status + " " + abbreviate(body), false);
    }

    static Outcome failed(Scenario s, long nanos, String detail) { return new Outcome(s, Kind.FAILED, nanos, abbreviate(detail), false); }

    private static String abbreviate(String s) {
        return s == null ? "" : dev.steer4j.util.SafeText.of(s, 160);
    }
}
