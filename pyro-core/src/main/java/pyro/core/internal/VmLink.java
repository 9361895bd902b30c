package pyro.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import pyro.core.PyroException;
import pyro.core.model.ExecResult;
import pyro.core.model.VmState;
import pyro.core.spi.InstancePaths;
import pyro.core.supervisor.SupervisorLauncher;
import pyro.protocol.ErrorCode;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * The host's side of a running instance: its liveness (expiry, a dead owner, a failed or vanished
 * supervisor, all written to the record as they are found), the calls to its agent through the
 * supervisor socket with their deadlines (a missed one marks it unresponsive until an answer
 * comes), an exec with its journal line, and stopping its process tree. {@link VmManager} owns the
 * records' lifecycle and hands each live instance here.
 */
final class VmLink {
    private final StateStore store;

    VmLink(StateStore store) {
        this.store = store;
    }

    /** Applies expiry and liveness checks to a record and returns its current state. */
    public Instance refresh(Instance inst) {
        String id = inst.id();
        if ((VmState.STARTING.wire().equals(inst.state()) || VmState.CREATED.wire().equals(inst.state()))
                && inst.num(InstanceOwners.OWNER_PID) != null && !InstanceOwners.ownerAlive(inst)) {
            String reason = "the pyro process (pid " + inst.num(InstanceOwners.OWNER_PID) + ") creating it exited before the "
                    + "create finished";
            release(inst);
            return store.update(id, i -> i.state(VmState.FAILED, reason).set(InstanceOwners.OWNER_PID, null)).orElse(inst);
        }
        if (!inst.expired() && Instant.now().isAfter(inst.expiresAt())) {
            release(inst);
            return store.update(id, Instance::expire).orElse(inst);
        }
        if (VmState.STARTED.wire().equals(inst.state())) {
            Path sock = store.paths(id).supervisorSocket();
            try (SupervisorClient c = SupervisorClient.connect(sock)) {
                Reply.VmStatusResult status = c.call(new Request.VmStatus());
                if (VmState.FAILED.wire().equals(status.vmState())) {
                    return markFailed(id, status.reason());
                }
            } catch (SupervisorClient.DeadlineMissed e) {
                // a supervisor that is alive but does not answer: say so, and leave the VM alone
                return store.update(id, i -> i.set("state_reason", "unresponsive: the VM's supervisor did not answer "
                        + "within " + e.limit().toSeconds() + " s")).orElse(inst);
            } catch (IOException e) {
                // The supervisor may have recorded why before it went away; re-read first.
                Instance again = store.load(id).orElse(inst);
                if (!VmState.STARTED.wire().equals(again.state())) {
                    return again;
                }
                return markFailed(id, "the VM's supervisor is gone (" + e.getMessage() + ")");
            }
        }
        return inst;
    }

    Instance markFailed(String id, String reason) {
        SupervisorLauncher.kill(store.paths(id));
        return store.update(id, i -> i.state(VmState.FAILED, reason)).orElseThrow();
    }

    /** Stops the VM process tree of an instance, gracefully if it answers, forcefully otherwise. */
    void release(Instance inst) {
        InstancePaths paths = store.paths(inst.id());
        Path sock = paths.supervisorSocket();
        if (Files.exists(sock)) {
            try (SupervisorClient c = SupervisorClient.connect(sock)) {
                c.call(new Request.VmStop(false));
            } catch (IOException | PyroException e) {
                // fall through to kill
            }
        }
        SupervisorLauncher.kill(paths);
    }

    public SupervisorClient connect(Instance inst) {
        try {
            return SupervisorClient.connect(store.paths(inst.id()).supervisorSocket());
        } catch (IOException e) {
            Instance failed = markFailed(inst.id(), "the VM's supervisor is gone (" + e.getMessage() + ")");
            throw PyroException.guest(VmManager.label(inst) + " " + inst.id() + " has failed: " + failed.stateReason());
        }
    }

    /** One request to the instance's agent; a broken connection is a guest failure naming the call. */
    public <R extends Reply> R call(Instance inst, Request<R> req) {
        try (SupervisorClient c = connect(inst)) {
            R reply = c.call(req);
            answered(inst);
            return reply;
        } catch (SupervisorClient.DeadlineMissed e) {
            throw unresponsive(inst, e);
        } catch (IOException e) {
            throw PyroException.guest(Messages.typeName((Record) req).replace('_', ' ') + " in " + inst.id()
                    + " was cut off: " + e.getMessage() + ".");
        }
    }

    private static final String UNRESPONSIVE = "unresponsive: ";

    /**
     * The agent missed a call's deadline: the record says so (state stays started: a stopped agent
     * may come back), and the caller gets a timeout naming the call and the limit.
     */
    PyroException unresponsive(Instance inst, SupervisorClient.DeadlineMissed e) {
        String full = HostDisk.fullNote(store.paths(inst.id()).dir());
        if (full != null) { // not the guest's fault, and a record written now may not fit
            return PyroException.host(VmManager.label(inst) + " " + inst.id() + " did not answer: " + full + ".");
        }
        String reason = UNRESPONSIVE + "the guest agent did not answer " + e.request().replace('_', ' ') + " within "
                + e.limit().toSeconds() + " s (at " + VmManager.now() + ")";
        store.update(inst.id(), i -> i.set("state_reason", reason));
        return new PyroException(ErrorCode.TIMEOUT, VmManager.label(inst) + " " + inst.id() + " is unresponsive: the guest "
                + "agent did not answer " + e.request().replace('_', ' ') + " within " + e.limit().toSeconds()
                + " s (a fork bomb or memory hog in the guest can do this; delete the " + VmManager.label(inst)
                + " if it does not recover).");
    }

    /** A call was answered: clear an earlier "unresponsive" note. */
    void answered(Instance inst) {
        String r = inst.stateReason();
        if (r != null && r.startsWith(UNRESPONSIVE)) {
            store.update(inst.id(), i -> i.stateReason() != null && i.stateReason().startsWith(UNRESPONSIVE)
                    ? i.set("state_reason", null) : i);
        }
    }

    /**
     * A best-effort read for status displays: empty when the VM is not running or does not answer,
     * and never marks the instance failed (status must not change state as a side effect).
     */
    public <R extends Reply> Optional<R> query(Instance inst, Request<R> req) {
        if (!VmState.STARTED.wire().equals(inst.state()) || inst.expired()) {
            return Optional.empty();
        }
        try (SupervisorClient c = SupervisorClient.connect(store.paths(inst.id()).supervisorSocket())) {
            return Optional.of(c.call(req, Deadlines.QUERY));
        } catch (IOException | PyroException e) {
            return Optional.empty();
        }
    }

    /**
     * Runs argv in the live instance's guest and records it ({@code journal}: in the exec journal too);
     * {@code output} (when not null) receives the command's output as the guest produces it.
     */
    ExecResult exec(Instance inst, List<String> argv, String cwd, Map<String, String> env, long timeoutSeconds,
            boolean journal, List<String> secretEnv, pyro.core.OutputListener output) {
        String id = inst.id();
        Map<String, String> secrets = WorkspaceSecrets.environment(inst, secretEnv);
        Request.Exec req = new Request.Exec(argv, cwd, env == null ? Map.of() : env, timeoutSeconds * 1000, null,
                secrets.isEmpty() ? null : secrets, output == null ? null : true);
        String startedAt = VmManager.now();
        Reply.ExecResult f;
        try (SupervisorClient c = connect(inst)) {
            f = output == null ? c.call(req)
                    : c.stream(req, payload -> {
                        if (payload.length > 1) {
                            output.output(payload[0] == Request.Exec.STDERR,
                                    java.util.Arrays.copyOfRange(payload, 1, payload.length));
                        }
                    });
            answered(inst);
        } catch (SupervisorClient.DeadlineMissed e) {
            throw unresponsive(inst, e);
        } catch (java.nio.channels.ClosedByInterruptException e) {
            // the caller was cancelled (an MCP notifications/cancelled): the closed connection has the
            // supervisor stop the command in the guest; nothing here waits for it any longer
            Thread.interrupted();
            throw PyroException.guest("the exec in " + id + " was cancelled; its command was stopped in the guest.");
        } catch (IOException e) {
            Instance after = refresh(store.load(id).orElse(inst));
            throw PyroException.guest("the exec in " + id + " was cut off: " + e.getMessage()
                    + (after.stateReason() != null ? " (" + after.stateReason() + ")" : "") + ".");
        }
        Instance updated = store.update(id, i -> i.set("command_count", i.commandCount() + 1)
                        .set("last_command", argv)
                        .set("last_activity_at", VmManager.now()))
                .orElse(inst);
        long seq = updated.commandCount();
        ExecResult result = new ExecResult(
                id, seq, argv, cwd,
                f.exitCode() == null ? -1 : f.exitCode(), f.stdout() == null ? "" : f.stdout(),
                f.stderr() == null ? "" : f.stderr(), f.durationMs() == null ? 0 : f.durationMs(),
                Boolean.TRUE.equals(f.timedOut()), Boolean.TRUE.equals(f.stdoutTruncated()),
                Boolean.TRUE.equals(f.stderrTruncated()));
        if (journal) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("sequence", seq);
            line.put("command", argv);
            line.put("cwd", result.cwd());
            line.put("exit_code", result.exitCode());
            line.put("timed_out", result.timedOut());
            line.put("started_at", startedAt);
            line.put("duration_ms", result.durationMs());
            store.appendJournal(id, Json.writeCompact(line));
        }
        return result;
    }
}
