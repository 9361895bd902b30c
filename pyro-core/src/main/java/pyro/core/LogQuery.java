package pyro.core;

/**
 * Which part of a service's logs to read, for {@link Pyro#logsService(String, String, LogQuery)}.
 *
 * <pre>{@code
 * ServiceLogs first = pyro.logsService(ws, "worker", LogQuery.stdout());
 * ServiceLogs next = pyro.logsService(ws, "worker", LogQuery.stdout().after(first.after()));
 * }</pre>
 *
 * @param tailLines only the last lines (null: everything there is)
 * @param stream stdout, stderr or both
 * @param after a cursor from an earlier read ({@code ServiceLogs.after()}): only what came since
 */
public record LogQuery(Integer tailLines, String stream, String after) {
    /** Both streams, everything. */
    public static LogQuery all() {
        return new LogQuery(null, "both", null);
    }

    public static LogQuery stdout() {
        return all().stream("stdout");
    }

    public static LogQuery stderr() {
        return all().stream("stderr");
    }

    public LogQuery tail(int lines) {
        return new LogQuery(lines, stream, after);
    }

    public LogQuery stream(String s) {
        return new LogQuery(tailLines, s, after);
    }

    public LogQuery after(String cursor) {
        return new LogQuery(tailLines, stream, cursor);
    }
}
