package pyro.core.spi;

import pyro.core.PyroConfig;

/** Found with {@link java.util.ServiceLoader}; {@code pyro.kvm} provides QEMU and Firecracker. */
public interface BackendProvider {
    /** The backend name: {@code qemu} or {@code firecracker}. */
    String name();

    /**
     * Whether this backend can be used on this host: true only where {@link #create} returns a
     * working backend, since automatic selection takes the first available provider.
     */
    boolean available();

    /** Why {@link #available()} is false, as one sentence for {@code pyro doctor}; null when it is available. */
    default String unavailableReason() {
        return available() ? null : "the " + name() + " backend cannot run on this host";
    }

    Backend create(PyroConfig config);

    /**
     * The control calls of a running VM this backend planned, made from its plan and instance folder
     * inside the VM's supervisor, the one process that pauses, saves and resumes it. Backends that
     * cannot save a running machine keep the default, which refuses with one sentence.
     */
    default VmmControl control(LaunchPlan plan, InstancePaths paths) {
        return VmmControl.unsupported("the " + name() + " backend cannot save a running machine (snapshots, reset,"
                + " stop/start and fork need it)");
    }
}
