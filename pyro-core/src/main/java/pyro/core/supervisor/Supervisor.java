package pyro.core.supervisor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;
import pyro.core.internal.Files2;
import pyro.core.internal.Json;
import pyro.core.internal.StateStore;
import pyro.core.spi.InstancePaths;
import pyro.protocol.Frame;
import pyro.protocol.Messages;
import pyro.protocol.Reply;

/**
 * The per-VM supervisor, the same for every backend: a small detached process that runs a backend's
 * {@link pyro.core.spi.LaunchPlan} (starts the VMM), owns the one agent channel,
 * and serves any number of clients on {@code supervisor.sock} (0600, in a 0700 folder). Client
 * requests are relayed to the agent with fresh ids and replies are routed back, so calls from
 * separate pyro processes run at the same time. It records a VMM death as the instance's failure,
 * enforces the TTL, and exits when the VM ends.
 *
 * <p>This class wires the parts and runs the boot: {@link VmmProcess} (the VMM and its sidecars),
 * {@link AgentLink} (the agent channel and its reader), {@link Routes} (agent ids to waiting sinks),
 * {@link Relay} with its {@link ClientConn}s (the clients), {@link Forwards} (published ports),
 * {@link MachineControl} (pause, save and resume: the only caller of the backend's
 * {@link pyro.core.spi.VmmControl}, so no client process ever opens the VMM's control socket) and
 * {@link Watchdog} (when the VM ends).
 *
 * <p>Start-up handshake: it prints exactly one line on stdout, {@code READY <boot_ms>} or
 * {@code FAILED <reason>}, then detaches stdout.
 */
public final class Supervisor {
    private final InstancePaths paths;
    private final LaunchFile launch;
    private final VmmProcess vmm;
    private final AgentLink agent;
    private final Watchdog watchdog;
    private final MachineControl machine;
    private final Relay relay;

    private Supervisor(InstancePaths paths) throws IOException {
        this.paths = paths;
        this.launch = LaunchFile.read(paths.launchFile());
        String instanceId = launch.instanceId();
        Routes routes = new Routes();
        this.vmm = new VmmProcess(paths, launch.plan());
        this.agent = new AgentLink(paths, launch.plan(), instanceId, vmm, routes);
        Forwards forwards = new Forwards(new Forwards.Link() {
            @Override
            public long open(Consumer<Frame> sink) {
                long id = agent.nextId();
                routes.put(id, sink::accept, id);
                return id;
            }

            @Override
            public boolean send(Frame f) {
                machine.awaitRunning(); // nothing goes to a guest that is paused or being saved
                return watchdog.failure() == null && agent.send(f);
            }

            @Override
            public void close(long agentId) {
                routes.remove(agentId);
            }

            @Override
            public void log(String message) {
                Supervisor.log(message);
            }
        });
        StateStore store = new StateStore(launch.stateDir());
        this.watchdog = new Watchdog(store, instanceId, vmm, agent, routes, forwards, launch.plan().gracefulStopMs());
        this.machine = new MachineControl(Controls.memoized(launch, paths), store, instanceId, paths,
                new MachineControl.Ending() {
                    @Override
                    public void stopVm() {
                        watchdog.stop(false);
                    }

                    @Override
                    public void end() {
                        watchdog.end();
                    }

                    @Override
                    public void fail(String reason) {
                        watchdog.fail(reason);
                    }
                });
        watchdog.machine(machine);
        this.relay = new Relay(paths.supervisorSocket(), routes, agent, forwards, watchdog, machine);
    }

    public static void main(String[] args) throws Exception {
        PrintStream handshake = System.out;
        InstancePaths paths = new InstancePaths(Path.of(args[0]));
        System.setOut(new PrintStream(Files.newOutputStream(Files2.touchPrivate(paths.supervisorLog())), true));
        System.setErr(System.out);
        Supervisor s;
        try {
            s = new Supervisor(paths);
        } catch (IOException | RuntimeException e) {
            handshake.println("FAILED cannot read launch.json: " + e.getMessage());
            handshake.close();
            System.exit(1);
            return;
        }
        s.run(handshake);
    }

    /** One line in {@code supervisor.log}. */
    static void log(String msg) {
        System.out.println(Instant.now() + " " + msg);
    }

    private void run(PrintStream handshake) {
        long t0 = System.nanoTime();
        long bootTimeoutMs = launch.bootTimeoutMs();
        try {
            Files2.writeAtomically(paths.supervisorPid(), (ProcessHandle.current().pid() + "\n").getBytes());
            agent.listen();
            vmm.start(t0, bootTimeoutMs);
            Reply.Hello hello = agent.open(t0, bootTimeoutMs);
            long bootMs = (System.nanoTime() - t0) / 1_000_000;
            log("agent hello after " + bootMs + " ms: " + hello);
            Files2.writeAtomically(paths.hello(), Json.write(Messages.fields(hello)).getBytes(StandardCharsets.UTF_8));
            relay.start();
            agent.startReader(watchdog::fail);
            watchdog.start();
            handshake.println("READY " + bootMs);
            handshake.close();
        } catch (Exception e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            log("boot failed: " + reason);
            handshake.println("FAILED " + reason.replace('\n', ' '));
            handshake.close();
            vmm.destroy();
            cleanupSockets();
            System.exit(1);
        } finally {
            agent.closeListener();
        }
        watchdog.awaitEnd();
        vmm.destroy();
        cleanupSockets();
        log("supervisor exits");
        System.exit(0);
    }

    private void cleanupSockets() {
        relay.close();
        vmm.cleanupSockets();
    }
}
