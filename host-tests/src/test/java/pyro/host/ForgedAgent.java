package pyro.host;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import pyro.protocol.Frame;
import pyro.protocol.FrameCodec;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * Stands in for a guest agent that a guest command replaced (guest commands run as root): says a
 * proper hello, then answers every exec with the largest reply header the protocol allows, and
 * every ping properly. Run by {@link HostProcessBackend}, with the real agent's arguments.
 */
public final class ForgedAgent {
    /** Just under {@link Frame#MAX_HEADER_BYTES} once framed as JSON. */
    static final int STDOUT_CHARS = Frame.MAX_HEADER_BYTES - 4096;

    private ForgedAgent() {}

    public static void main(String[] args) throws Exception {
        String socket = args[1].substring("unix:".length());
        SocketChannel sc = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(sc)));
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(sc), 1 << 16);
        FrameCodec.write(out, Messages.frame(0, new Reply.Hello((long) Frame.PROTOCOL_VERSION, "forged", "forged", 1L)));
        Frame f;
        while ((f = FrameCodec.read(in)) != null) {
            Request r = Messages.request(f);
            Reply reply = switch (r) {
                case Request.Exec e -> new Reply.ExecResult(0, "x".repeat(STDOUT_CHARS), "", false, false, 1L, false);
                case Request.ShellList l -> new Reply.ShellListResult(java.util.List.of());
                case Request.ServiceList l -> new Reply.ServiceListResult(java.util.List.of());
                default -> new Reply.Pong("forged");
            };
            FrameCodec.write(out, Messages.frame(f.id(), reply));
        }
    }
}
