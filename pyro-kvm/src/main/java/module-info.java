/**
 * VM backends behind pyro.core's SPI: QEMU (KVM where stock guests really boot, TCG otherwise) and
 * Firecracker; the per-VM supervisor that owns the VMM process and the agent channel; and the
 * guest image (environment) builder.
 */
module pyro.kvm {
    requires pyro.core;

    exports pyro.kvm;

    provides pyro.core.spi.BackendProvider with
            pyro.kvm.FirecrackerBackendProvider,
            pyro.kvm.QemuBackendProvider;
}
