package pyro.core.supervisor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import pyro.protocol.ErrorCode;
import pyro.protocol.Frame;
import pyro.protocol.Messages;
import pyro.protocol.Reply;

/**
 * Where the agent's frames go: each request relayed on the one agent channel has a fresh agent-side
 * id, and its route names the sink that waits for the answer and the id that sink knows the request
 * by. A final answer (anything but a data frame, its end or its ack) ends the route; the frames go
 * back under the sink's own id. When the requests can no longer be answered (the agent restarted,
 * the VM failed) every waiting sink gets an error at once.
 */
final class Routes {
    /** Where frames from the agent for one request go: a client's connection, or a call of the supervisor's own. */
    interface Sink {
        void send(Frame f);

        /** The request the sink knows as {@code clientId} has had its final answer. */
        default void answered(long clientId) {}
    }

    /** Where a relayed request's replies go, under the id the sink knows it by. */
    private record Route(Sink sink, long clientId) {}

    private final Map<Long, Route> routes = new ConcurrentHashMap<>();

    void put(long agentId, Sink sink, long clientId) {
        routes.put(agentId, new Route(sink, clientId));
    }

    void remove(long agentId) {
        routes.remove(agentId);
    }

    /** Forgets the routes to {@code sink} (a client that went away); returns the agent ids still unanswered. */
    java.util.List<Long> removeSink(Sink sink) {
        java.util.List<Long> unanswered = new java.util.ArrayList<>();
        for (var e : routes.entrySet()) {
            if (e.getValue().sink() == sink && routes.remove(e.getKey(), e.getValue())) {
                unanswered.add(e.getKey());
            }
        }
        return unanswered;
    }

    int size() {
        return routes.size();
    }

    /** Sends a frame from the agent to the sink waiting for it; a frame nobody waits for is dropped. */
    void deliver(Frame f) {
        Route r = routes.get(f.id());
        if (r == null) {
            return;
        }
        if (!Messages.isData(f) && !Messages.isDataEnd(f) && !Messages.isDataAck(f)) {
            routes.remove(f.id());
            r.sink().answered(r.clientId());
        }
        r.sink().send(Messages.withId(f, r.clientId()));
    }

    /**
     * Answers every waiting request with a guest failure and forgets it. Each route is taken out as it
     * is answered, never cleared wholesale: a request relayed meanwhile keeps its route (and its
     * answer) instead of losing it unanswered.
     */
    void failAll(String reason) {
        for (var e : routes.entrySet()) {
            if (routes.remove(e.getKey(), e.getValue())) {
                e.getValue().sink().send(error(e.getValue().clientId(), ErrorCode.GUEST_FAILURE, reason));
            }
        }
    }

    static Frame error(long id, ErrorCode code, String message) {
        return Messages.frame(id, new Reply.Error(code, message));
    }
}
