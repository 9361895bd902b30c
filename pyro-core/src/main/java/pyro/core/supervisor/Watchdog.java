package pyro.core.supervisor;

import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import pyro.core.internal.Instance;
import pyro.core.internal.StateStore;
import pyro.core.internal.InstanceOwners;
import pyro.core.model.VmState;
import pyro.protocol.Messages;
import pyro.protocol.Reply;
import pyro.protocol.Request;

/**
 * Decides when the VM ends, and the supervisor with it. Two watchers run from boot: one waits for
 * the VMM to die, one follows the instance record (its TTL, its deletion, and the pyro process still
 * creating it). A death of the VMM or of the agent channel is a failure: {@link #fail} records it in
 * the instance record, answers every pending request with it and ends; {@link #stop} ends the VM on
 * purpose (a client's stop, the TTL, a deleted record). Until the end, it says how the VM is. The
 * TTL never ends a VM while its {@link MachineControl} has the guest paused or saving: it waits for
 * the save to finish or roll back.
 */
final class Watchdog {
    private final StateStore store;
    private final String instanceId;
    private final VmmProcess vmm;
    private final AgentLink agent;
    private final Routes routes;
    private final Forwards forwards;
    private final long gracefulStopMs;
    private volatile MachineControl machine;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile String failure;

    Watchdog(StateStore store, String instanceId, VmmProcess vmm, AgentLink agent, Routes routes, Forwards forwards,
            long gracefulStopMs) {
        this.store = store;
        this.instanceId = instanceId;
        this.vmm = vmm;
        this.agent = agent;
        this.routes = routes;
        this.forwards = forwards;
        this.gracefulStopMs = gracefulStopMs;
    }

    /** The guest's controller, whose run state the status reports and the TTL respects. */
    void machine(MachineControl m) {
        this.machine = m;
    }

    /** Starts the watchers of the VMM and of the instance record. */
    void start() {
        Thread.ofPlatform().name("vmm-watch").daemon().start(this::watchVmm);
        Thread.ofPlatform().name("ttl").daemon().start(this::watchTtl);
    }

    /** Why the VM failed; null while it has not. */
    String failure() {
        return failure;
    }

    Reply.VmStatusResult status() {
        return new Reply.VmStatusResult(failure != null ? VmState.FAILED.wire() : machine.run().wire, failure,
                vmm.process() == null ? null : vmm.process().pid(), (long) routes.size());
    }

    /** Lets the supervisor end. */
    void end() {
        machine.ended();
        done.countDown();
    }

    /** Waits for the end. */
    void awaitEnd() {
        try {
            done.await();
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
    }

    private void watchVmm() {
        try {
            int status = vmm.process().waitFor();
            if (!stopping) {
                fail(vmm.death(status));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends the VM when its TTL passes, when its record is deleted, or when the pyro process that is
     * still creating it died (a client killed during create must not leave a VM running and a record
     * saying starting).
     */
    private void watchTtl() {
        while (!stopping) {
            Instance inst;
            try {
                var loaded = store.load(instanceId);
                if (loaded.isEmpty()) {
                    stop(false);
                    end();
                    return;
                }
                inst = loaded.get();
            } catch (RuntimeException e) {
                // a corrupt record: keep the VM until someone deletes it (delete finds it by its pid files)
                sleep(5_000);
                continue;
            }
            if (machine.busy()) {
                sleep(200); // a save under way finishes (or rolls back) before the TTL may end the VM
                continue;
            }
            Instant expires = inst.expiresAt();
            long waitMs = expires.toEpochMilli() - System.currentTimeMillis();
            if (waitMs <= 0) {
                Supervisor.log("ttl passed: releasing the VM");
                stop(false);
                store.update(instanceId, Instance::expire);
                end();
                return;
            }
            if (inst.num(InstanceOwners.OWNER_PID) != null && !InstanceOwners.ownerAlive(inst)) {
                fail("the pyro process (pid " + inst.num(InstanceOwners.OWNER_PID)
                        + ") creating it exited before the create finished");
                return;
            }
            sleep(Math.min(waitMs, inst.num(InstanceOwners.OWNER_PID) != null ? 500 : 5_000));
        }
    }

    /** Records the failure in the instance record, answers pending requests, and ends. */
    synchronized void fail(String reason) {
        if (stopping || failure != null) {
            return;
        }
        failure = reason;
        machine.ended();
        Supervisor.log("failure: " + reason);
        store.update(instanceId, i -> i.state(VmState.FAILED, reason));
        forwards.closeAll();
        routes.failAll(reason);
        end();
    }

    /**
     * Ends the VM. The disk overlay is thrown away with the VM, so by default there is nothing to
     * flush and the VMM is simply killed (a guest shutdown under TCG costs seconds); {@code graceful}
     * asks the agent to sync and power off first.
     */
    void stop(boolean graceful) {
        stopping = true;
        forwards.closeAll();
        if (vmm.isAlive()) {
            if (graceful) {
                long id = agent.nextId();
                agent.send(Messages.frame(id, new Request.Shutdown()));
            }
            vmm.stop(graceful ? gracefulStopMs : 0);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
