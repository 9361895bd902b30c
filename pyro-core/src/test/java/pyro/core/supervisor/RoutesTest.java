package pyro.core.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import pyro.protocol.ErrorCode;
import pyro.protocol.Frame;
import pyro.protocol.Messages;
import pyro.protocol.Reply;

/**
 * The relay's routing on its own: the agent's frames go back to the sink that waits for them under
 * the sink's id; a final answer ends the route, a download's data frames do not.
 */
class RoutesTest {
    /** A sink that keeps what it is sent and which of its requests were answered. */
    static final class Recorder implements Routes.Sink {
        final List<Frame> frames = new ArrayList<>();
        final List<Long> answered = new ArrayList<>();

        @Override
        public void send(Frame f) {
            frames.add(f);
        }

        @Override
        public void answered(long clientId) {
            answered.add(clientId);
        }
    }

    private final Routes routes = new Routes();

    @Test
    void aReplyGoesBackUnderTheClientsIdAndEndsTheRoute() {
        Recorder client = new Recorder();
        routes.put(41, client, 7);
        routes.deliver(Messages.frame(41, new Reply.Pong("1.0")));
        assertEquals(1, client.frames.size());
        assertEquals(7, client.frames.getFirst().id());
        assertEquals(List.of(7L), client.answered);
        assertEquals(0, routes.size());
        routes.deliver(Messages.frame(41, new Reply.Pong("1.0")));
        assertEquals(1, client.frames.size(), "a second answer under an ended route is dropped");
    }

    @Test
    void dataFramesKeepTheRouteUntilTheFinalAnswer() {
        Recorder client = new Recorder();
        routes.put(5, client, 1);
        routes.deliver(Messages.data(5, new byte[] {1, 2, 3}));
        routes.deliver(Messages.dataAck(5, 3));
        routes.deliver(Messages.dataEnd(5));
        assertEquals(1, routes.size());
        assertTrue(client.answered.isEmpty());
        routes.deliver(Messages.frame(5, new Reply.Pong("1.0")));
        assertEquals(0, routes.size());
        assertEquals(4, client.frames.size());
        assertTrue(client.frames.stream().allMatch(f -> f.id() == 1));
    }

    @Test
    void aFrameNobodyWaitsForIsDropped() {
        Recorder client = new Recorder();
        routes.put(5, client, 1);
        routes.deliver(Messages.frame(6, new Reply.Pong("1.0")));
        assertTrue(client.frames.isEmpty());
        assertEquals(1, routes.size());
    }

    @Test
    void failAllAnswersEveryWaitingRequestUnderItsOwnIdAndForgetsThem() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        routes.put(1, a, 10);
        routes.put(2, a, 11);
        routes.put(3, b, 10);
        routes.failAll("the guest agent restarted");
        assertEquals(0, routes.size());
        assertEquals(List.of(10L, 11L), a.frames.stream().map(Frame::id).sorted().toList());
        assertEquals(List.of(10L), b.frames.stream().map(Frame::id).toList());
        Reply.Error e = Messages.reply(b.frames.getFirst(), Reply.Error.class);
        assertEquals(ErrorCode.GUEST_FAILURE, e.code());
        assertEquals("the guest agent restarted", e.message());
    }

    @Test
    void aClientThatGoesAwayTakesOnlyItsOwnRoutes() {
        Recorder gone = new Recorder();
        Recorder stays = new Recorder();
        routes.put(1, gone, 1);
        routes.put(2, stays, 1);
        routes.removeSink(gone);
        assertEquals(1, routes.size());
        routes.deliver(Messages.frame(2, new Reply.Pong("1.0")));
        assertEquals(1, stays.frames.size());
    }

    /**
     * The bug: failAll answered the routes it iterated, then cleared the map, so a request relayed
     * between the two (a client's call racing an agent restart) lost its route without an answer, and
     * the agent's reply to it was dropped: the client waited forever.
     */
    @Test
    void aRequestRelayedWhileFailAllRunsIsNeitherLostNorLeftUnanswered() {
        Recorder late = new Recorder();
        Routes.Sink racing = new Routes.Sink() {
            @Override
            public void send(Frame f) {
                routes.put(99, late, 5); // relayed on another thread while the failures go out
            }
        };
        routes.put(1, racing, 1);
        routes.failAll("the guest agent restarted");
        assertTrue(late.frames.size() == 1 || routes.size() == 1,
                "the late request was dropped unanswered: " + late.frames + ", " + routes.size() + " routes");
        if (routes.size() == 1) {
            routes.deliver(Messages.frame(99, new Reply.Pong("1.0")));
            assertEquals(5, late.frames.getFirst().id());
        }
    }
}
