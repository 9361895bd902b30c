package pyro.core.spi;

import pyro.core.PyroConfig;

/** Found with {@link java.util.ServiceLoader}; {@code pyro.kvm} provides QEMU and Firecracker. */
public interface BackendProvider {
    /** The backend name: {@code qemu} or {@code firecracker}. */
    String name();

    /** Whether this backend can be used on this host at all (its VMM binary exists). */
    boolean available();

    Backend create(PyroConfig config);
}
