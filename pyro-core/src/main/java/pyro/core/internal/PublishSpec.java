package pyro.core.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import pyro.core.PyroException;

/**
 * One {@code --publish [HOST_PORT:]GUEST_PORT}: a guest port of a service, forwarded from the host's
 * 127.0.0.1 at {@code hostPort} (0: a free port the host picks).
 */
public record PublishSpec(int hostPort, int guestPort) {
    public static final String FORMAT = "[HOST_PORT:]GUEST_PORT";

    public static PublishSpec parse(String spec) {
        String s = spec == null ? "" : spec.strip();
        String[] parts = s.split(":", -1);
        if (parts.length > 2 || s.isEmpty()) {
            throw bad(spec, "use " + FORMAT + ", e.g. 8080 or 18080:8080");
        }
        int guest = port(spec, parts[parts.length - 1], "guest port", 1);
        int host = parts.length == 2 ? port(spec, parts[0], "host port", 0) : 0; // 0: a free one, as when omitted
        return new PublishSpec(host, guest);
    }

    /** Every spec of one start; the same guest or host port twice is refused. */
    public static List<PublishSpec> parseAll(List<String> specs) {
        List<PublishSpec> out = new ArrayList<>();
        Set<Integer> guests = new HashSet<>();
        Set<Integer> hosts = new HashSet<>();
        for (String s : specs == null ? List.<String>of() : specs) {
            PublishSpec p = parse(s);
            if (!guests.add(p.guestPort())) {
                throw bad(s, "guest port " + p.guestPort() + " is published twice");
            }
            if (p.hostPort() != 0 && !hosts.add(p.hostPort())) {
                throw bad(s, "host port " + p.hostPort() + " is used twice");
            }
            out.add(p);
        }
        return out;
    }

    private static int port(String spec, String text, String what, int min) {
        try {
            int p = Integer.parseInt(text.strip());
            if (p >= min && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw bad(spec, what + " '" + text + "' is not a port number from " + min + " to 65535");
    }

    private static PyroException bad(String spec, String why) {
        return PyroException.invalid("publish '" + spec + "' is invalid: " + why + ".");
    }
}
