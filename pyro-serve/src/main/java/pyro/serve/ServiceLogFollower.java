package pyro.serve;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import pyro.core.Pyro;
import pyro.core.PyroException;
import pyro.mcp.ToolDef;

/**
 * {@code GET .../services/{name}/logs} with {@code Accept: application/x-ndjson}: the service's logs
 * followed, as {@code tail -f} would. Each new piece goes out as a {@code logs} line (the
 * {@code service_logs} record: stdout, stderr and the offsets to read on from) as soon as a poll sees
 * it; when the service is no longer starting or running, one last read, then a {@code result} line
 * with the service's record. A client that goes away ends the follow.
 */
final class ServiceLogFollower {
    static final long POLL_MS = 300;
    private static final Set<String> LIVE = Set.of("starting", "running");

    private ServiceLogFollower() {}

    static int follow(HttpExchange ex, ToolDef logs, Pyro pyro, Map<String, Object> args) throws IOException {
        String ws = (String) args.get("workspace_id");
        String name = (String) args.get("service_name");
        Map<String, Object> query = new LinkedHashMap<>(args);
        NdjsonOutput stream = new NdjsonOutput(ex);
        Map<String, Object> first = logs.invoke(pyro, query).toMap(); // a bad argument is a 4xx before the stream starts
        stream.start();
        try {
            Map<String, Object> piece = first;
            while (true) {
                if (!String.valueOf(piece.getOrDefault("stdout", "")).isEmpty()
                        || !String.valueOf(piece.getOrDefault("stderr", "")).isEmpty()) {
                    stream.logs(piece);
                }
                query.remove("tail_lines");
                query.put("after", piece.get("stdout_offset") + ":" + piece.get("stderr_offset"));
                String state = pyro.statusService(ws, name).state();
                Thread.sleep(POLL_MS);
                piece = logs.invoke(pyro, query).toMap();
                if (!LIVE.contains(state)) {
                    if (!String.valueOf(piece.getOrDefault("stdout", "")).isEmpty()
                            || !String.valueOf(piece.getOrDefault("stderr", "")).isEmpty()) {
                        stream.logs(piece);
                    }
                    stream.result(pyro.statusService(ws, name).toMap());
                    break;
                }
            }
        } catch (PyroException e) {
            stream.error(Exchanges.error(e.code().wireName(), e.getMessage()));
        } catch (UncheckedIOException e) {
            throw e.getCause(); // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ex.getResponseBody().close();
        return 200;
    }
}
