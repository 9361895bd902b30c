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
}
