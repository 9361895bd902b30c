package pyro.core.supervisor;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import pyro.protocol.ErrorCode;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.ProtocolException;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * Serves any number of clients on {@code supervisor.sock} (0600), each on a {@link ClientConn} of its
 * own. The supervisor answers a client's status, port, pause, resume, save and stop requests itself;
 * every other request is relayed to the agent under a fresh agent-side id, with a route back to the
 * client under the id the client chose, so calls from separate pyro processes run at the same time.
 * An upload's data frames follow their request to the agent. While the guest is paused or being
 * saved, requests wait to be relayed until it runs again. Once the VM has failed, requests are
 * answered with the failure instead.
 */
final class Relay {
    private final Path socket;
    private final Routes routes;
    private final AgentLink agent;
    private final Forwards forwards;
    private final Watchdog watchdog;
    private final MachineControl machine;
    private ServerSocketChannel clients;

    Relay(Path socket, Routes routes, AgentLink agent, Forwards forwards, Watchdog watchdog, MachineControl machine) {
        this.socket = socket;
        this.routes = routes;
        this.agent = agent;
        this.forwards = forwards;
        this.watchdog = watchdog;
        this.machine = machine;
    }

    /** Listens on the socket and serves each client that connects on a virtual thread of its own. */
    void start() throws IOException {
        Files.deleteIfExists(socket);
        clients = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        clients.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        Thread.ofPlatform().name("accept").daemon().start(() -> {
            while (clients.isOpen()) {
                try {
                    SocketChannel c = clients.accept();
                    Thread.ofVirtual().start(() -> serve(new ClientConn(c)));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Stops listening and removes the socket. */
    void close() {
        try {
            if (clients != null) {
                clients.close();
            }
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // best effort
        }
    }

    private void serve(ClientConn c) {
        try (SocketChannel ignored = c.channel) {
            Frame f;
            while ((f = FrameCodec.read(c.in)) != null) {
                long clientId = f.id();
                if (Messages.isData(f) || Messages.isDataEnd(f) || Messages.isDataAck(f)) { // acks: a port tunnel's
                    Long agentId = c.uploads.get(clientId);
                    if (agentId != null) {
                        agent.send(Messages.withId(f, agentId));
                        if (Messages.isDataEnd(f)) {
                            c.uploads.remove(clientId);
                        }
                    }
                    continue;
                }
                Request request;
                try {
                    request = Messages.request(f);
                } catch (ProtocolException e) {
                    c.send(Routes.error(clientId, ErrorCode.INVALID_INPUT, e.getMessage()));
                    continue;
                }
                if (!(request instanceof Request.ToSupervisor own)) {
                    relay(c, f);
                    continue;
                }
                switch (own) {
                    case Request.VmStatus s -> c.send(Messages.frame(clientId, watchdog.status()));
                    case Request.PortPublish p -> c.send(Messages.frame(clientId, watchdog.failure() != null
                            ? new Reply.Error(ErrorCode.GUEST_FAILURE, watchdog.failure()) : forwards.publish(p)));
                    case Request.PortUnpublish p -> c.send(Messages.frame(clientId, forwards.unpublish(p)));
                    case Request.PortList p -> c.send(Messages.frame(clientId, forwards.list()));
                    case Request.VmStop s -> {
                        watchdog.stop(Boolean.TRUE.equals(s.graceful()));
                        c.send(Messages.frame(clientId, new Reply.VmStopResult()));
                        c.finish(2_000); // the answer goes out before the supervisor exits
                        watchdog.end();
                        return;
                    }
                    case Request.VmPause p -> c.send(Messages.frame(clientId, failedOr(() -> machine.pause(c))));
                    case Request.VmResume r -> c.send(Messages.frame(clientId, failedOr(machine::resume)));
                    case Request.VmSave save -> {
                        // the save runs on its own thread: this client may go away, the save still ends
                        Reply done = failedOr(() -> machine.save(save).join());
                        c.send(Messages.frame(clientId, done));
                        if (Boolean.TRUE.equals(save.stop()) && done instanceof Reply.VmSaveResult) {
                            c.finish(2_000);
                            watchdog.end();
                            return;
                        }
                    }
                }
            }
        } catch (IOException e) {
            // client disconnected
        } catch (RuntimeException | OutOfMemoryError e) {
            Supervisor.log("dropping a client whose frames could not be read: " + e);
        } finally {
            // whoever asked went away (a cancelled MCP call, a killed CLI): the agent stops what it can of
            // the requests left unanswered (an exec's process group); their answers have nowhere to go
            for (long agentId : routes.removeSink(c)) {
                agent.send(Messages.frame(agent.nextId(), new Request.Cancel(agentId)));
            }
            machine.closed(c);
            c.end();
        }
    }

    /** The VM's failure as the answer, or else what {@code reply} gives. */
    private Reply failedOr(java.util.function.Supplier<Reply> reply) {
        String failure = watchdog.failure();
        return failure != null ? new Reply.Error(ErrorCode.GUEST_FAILURE, failure) : reply.get();
    }

    private void relay(ClientConn c, Frame f) {
        if (!machine.awaitRunning(c)) { // held while the guest is paused or being saved
            c.send(Routes.error(f.id(), ErrorCode.CONFLICT, "the guest is paused by this connection: resume it first"));
            return;
        }
        String failure = watchdog.failure();
        if (failure != null) {
            c.send(Routes.error(f.id(), ErrorCode.GUEST_FAILURE, failure));
            return;
        }
        long agentId = agent.nextId();
        routes.put(agentId, c, f.id());
        c.uploads.put(f.id(), agentId);
        if (!agent.send(Messages.withId(f, agentId))) {
            routes.remove(agentId);
            failure = watchdog.failure();
            c.send(Routes.error(f.id(), ErrorCode.GUEST_FAILURE, failure != null ? failure : "the agent channel is closed"));
        }
    }
}
