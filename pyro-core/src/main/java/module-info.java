/**
 * pyro's core: the public SDK ({@link pyro.core.Pyro}), the records every face prints, the backend
 * SPI the VM backends implement, the managers and the per-VM supervisor. The host-agent protocol, the
 * tar rules and the error codes are {@code pyro.protocol}'s, required transitively.
 */
module pyro.core {
    requires transitive pyro.protocol;
    // java-diff-utils (made a named module by difflib/): Myers' diff for workspace patches
    requires io.github.javadiffutils;
    // the faces' client of a remote pyro serve (PYRO_URL)
    requires java.net.http;

    exports pyro.core;
    exports pyro.core.model;
    exports pyro.core.spi;
    exports pyro.core.remote;
    exports pyro.core.internal to pyro.kvm;

    uses pyro.core.spi.BackendProvider;
}
