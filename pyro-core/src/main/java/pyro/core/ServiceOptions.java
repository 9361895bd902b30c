package pyro.core;

import java.util.List;
import java.util.Map;
import pyro.core.model.Readiness;
import pyro.protocol.ServicePolicy;

/**
 * How to start a service, for {@link Pyro#startService(String, String, List, ServiceOptions)}: start from
 * {@link #defaults()} and change what differs.
 *
 * <pre>{@code
 * pyro.startService(ws, "db", List.of("postgres", "-D", "data"),
 *         ServiceOptions.defaults().readiness(Readiness.tcp("127.0.0.1", 5432)).restart("on-failure"));
 * pyro.startService(ws, "web", "npm run dev", ServiceOptions.defaults().after("db").maxRestarts(3));
 * }</pre>
 *
 * @param cwd the service's folder inside /workspace (null: /workspace)
 * @param env extra environment variables
 * @param readiness the readiness probe (null: none)
 * @param restart {@code no} (the default), {@code on-failure} or {@code always}
 * @param maxRestarts at most this many restarts in a row (a run that stayed up 10 s resets the row)
 * @param after {@code NAME[:started|ready|exited-ok]} entries: start once those services are there
 * @param publish {@code [HOST_PORT:]GUEST_PORT} entries: guest ports forwarded from the host's 127.0.0.1
 *     (the workspace needs network policy {@code egress+published-ports})
 * @param secretEnv {@code NAME[=ENV_VAR]} entries: workspace secrets given to the service as variables
 */
public record ServiceOptions(String cwd, Map<String, String> env, Readiness readiness, String restart, int maxRestarts,
        List<String> after, List<String> publish, List<String> secretEnv) {
    public ServiceOptions {
        after = after == null ? List.of() : List.copyOf(after);
        publish = publish == null ? List.of() : List.copyOf(publish);
        secretEnv = secretEnv == null ? List.of() : List.copyOf(secretEnv);
    }

    public ServiceOptions(String cwd, Map<String, String> env, Readiness readiness, String restart, int maxRestarts,
            List<String> after) {
        this(cwd, env, readiness, restart, maxRestarts, after, List.of(), List.of());
    }

    public static final String DEFAULT_RESTART = ServicePolicy.DEFAULT_RESTART;
    public static final int DEFAULT_MAX_RESTARTS = ServicePolicy.DEFAULT_MAX_RESTARTS;

    /** /workspace, no extra variables, no probe, no restarts ({@value #DEFAULT_MAX_RESTARTS} when asked), no order. */
    public static ServiceOptions defaults() {
        return new ServiceOptions(null, Map.of(), null, DEFAULT_RESTART, DEFAULT_MAX_RESTARTS, List.of(), List.of(), List.of());
    }

    public ServiceOptions cwd(String c) {
        return new ServiceOptions(c, env, readiness, restart, maxRestarts, after, publish, secretEnv);
    }

    public ServiceOptions env(Map<String, String> e) {
        return new ServiceOptions(cwd, e, readiness, restart, maxRestarts, after, publish, secretEnv);
    }

    public ServiceOptions readiness(Readiness r) {
        return new ServiceOptions(cwd, env, r, restart, maxRestarts, after, publish, secretEnv);
    }

    /** The restart policy: {@code no}, {@code on-failure} or {@code always}. */
    public ServiceOptions restart(String policy) {
        return new ServiceOptions(cwd, env, readiness, policy, maxRestarts, after, publish, secretEnv);
    }

    public ServiceOptions maxRestarts(int n) {
        return new ServiceOptions(cwd, env, readiness, restart, n, after, publish, secretEnv);
    }

    /** The start order, replacing any given before: {@code "db"}, {@code "db:started"}, {@code "migrate:exited-ok"}. */
    public ServiceOptions after(String... dependencies) {
        return after(List.of(dependencies));
    }

    public ServiceOptions after(List<String> dependencies) {
        return new ServiceOptions(cwd, env, readiness, restart, maxRestarts, List.copyOf(dependencies), publish, secretEnv);
    }

    /** Guest ports to publish on the host's 127.0.0.1, replacing any given before: {@code "8080"}, {@code "18080:8080"}. */
    public ServiceOptions publish(String... ports) {
        return new ServiceOptions(cwd, env, readiness, restart, maxRestarts, after, List.of(ports), secretEnv);
    }

    public ServiceOptions publish(List<String> ports) {
        return new ServiceOptions(cwd, env, readiness, restart, maxRestarts, after, ports, secretEnv);
    }

    /** Workspace secrets as the service's variables, replacing any given before: {@code "TOKEN"}, {@code "TOKEN=API_KEY"}. */
    public ServiceOptions secretEnv(String... mappings) {
        return new ServiceOptions(cwd, env, readiness, restart, maxRestarts, after, publish, List.of(mappings));
    }

    public ServiceOptions secretEnv(List<String> mappings) {
        return new ServiceOptions(cwd, env, readiness, restart, maxRestarts, after, publish, mappings);
    }
}
