package pyro.core;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One TCP connection to a port on a workspace guest's loopback, carried over the agent channel (as
 * published ports are, with the same flow control), from {@link Pyro#connectWorkspacePort}. Bytes
 * written to {@link #output()} reach the guest's listener; {@link #input()} reads what it sends
 * back and ends when it closes. {@link #close()} ends both ways.
 */
public interface PortConnection extends Closeable {
    InputStream input();

    OutputStream output();
}
