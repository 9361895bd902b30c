package pyro.agent;

import java.io.IOException;
import pyro.agent.secret.SecretFilter;
import pyro.agent.secret.Secrets;
import pyro.protocol.Messages;
import pyro.protocol.Request;

/**
 * A streamed exec's output on its way to the host: each read of stdout or stderr goes out as a
 * {@code data} frame tagged with its stream, through a secret filter per stream (values split across
 * reads are caught too), at most the exec's output limit per stream, so the streamed bytes are exactly
 * the result's (capped) output. {@link #finish()} flushes what a filter held back before the result goes.
 */
final class ExecStream {
    private final Agent agent;
    private final long id;
    private final Tagged out;
    private final Tagged err;

    ExecStream(Agent agent, long id, long limit) {
        this.agent = agent;
        this.id = id;
        this.out = new Tagged(Request.Exec.STDOUT, limit);
        this.err = new Tagged(Request.Exec.STDERR, limit);
    }

    /** The sink of one stream's pump. */
    Exec.Listener stdout() {
        return out::accept;
    }

    Exec.Listener stderr() {
        return err::accept;
    }

    void finish() {
        out.flush();
        err.flush();
    }

    private final class Tagged {
        private final byte tag;
        private long left;
        private final SecretFilter filter;

        Tagged(byte tag, long limit) {
            this.tag = tag;
            this.left = limit;
            this.filter = Secrets.get().filter(this::send, SecretFilter.SHELL_IDLE_FLUSH_MS);
        }

        synchronized void accept(byte[] b, int off, int n) {
            int k = (int) Math.min(n, left);
            if (k <= 0) {
                return;
            }
            left -= k;
            if (filter != null) {
                filter.write(b, off, k);
            } else {
                send(b, off, k);
            }
        }

        void flush() {
            if (filter != null) {
                filter.flush();
            }
        }

        private void send(byte[] b, int off, int n) {
            byte[] payload = new byte[n + 1];
            payload[0] = tag;
            System.arraycopy(b, off, payload, 1, n);
            try {
                agent.send(Messages.data(id, payload));
            } catch (IOException e) {
                // the channel broke: the result cannot reach the host either, and the agent reconnects
            }
        }
    }
}
