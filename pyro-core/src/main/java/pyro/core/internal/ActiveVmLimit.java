package pyro.core.internal;

import java.nio.file.Files;
import pyro.core.PyroException;
import pyro.core.model.VmState;
import pyro.protocol.ErrorCode;

/**
 * The active-VM limit ({@code PYRO_MAX_ACTIVE_VMS}): what counts as active (a running or starting VM
 * whose supervisor listens, or one that a live create or start has reserved) and the refusal when the
 * limit is reached. Callers check it under the store's create lock, with their reservation.
 */
final class ActiveVmLimit {
    private ActiveVmLimit() {}

    /** Refuses when the active VMs, not counting {@code except} (the one about to start), are at the limit. */
    static void require(StateStore store, int maxActive, String except) {
        long active = store.list().stream()
                .filter(i -> !i.id().equals(except))
                .filter(i -> !i.expired())
                .filter(i -> {
                    boolean running = (VmState.STARTED.wire().equals(i.state())
                                    || VmState.STARTING.wire().equals(i.state()))
                            && Files.exists(store.paths(i.id()).supervisorSocket());
                    boolean reserved = !VmState.FAILED.wire().equals(i.state())
                            && !VmState.STOPPED.wire().equals(i.state())
                            && (InstanceOwners.ownerAlive(i) || InstanceOwners.starterAlive(i));
                    return running || reserved;
                })
                .count();
        if (active >= maxActive) {
            throw new PyroException(ErrorCode.CONFLICT, "this host user already has " + active
                    + " active VMs (the limit is " + maxActive
                    + ", set PYRO_MAX_ACTIVE_VMS to change it): delete one first.");
        }
    }
}
