/**
 * pyro's core: the public SDK ({@link pyro.core.Pyro}), the records every face prints, the backend
 * SPI the VM backends implement, and the framed host-agent protocol shared with the guest agent.
 */
module pyro.core {
    requires transitive com.fasterxml.jackson.jr.ob;
    // java-diff-utils (made a named module by difflib/): Myers' diff for workspace patches
    requires io.github.javadiffutils;

    exports pyro.core;
    exports pyro.core.model;
    exports pyro.core.spi;
    exports pyro.core.protocol;
    exports pyro.core.archive;
    exports pyro.core.internal to pyro.kvm;

    uses pyro.core.spi.BackendProvider;
}
