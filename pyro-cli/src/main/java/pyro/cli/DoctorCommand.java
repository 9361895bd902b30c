package pyro.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import pyro.core.model.DoctorReport;

@Command(name = "doctor", description = "Check this host: KVM (does a stock guest really boot?), TCG fallback, QEMU, image cache, state folder.",
        footer = {"%nExamples:", "  pyro doctor", "  pyro doctor --environment debian:12", "  pyro doctor --json"})
final class DoctorCommand implements Callable<Integer> {
    @Mixin JsonOption json;

    @Option(names = "--environment", paramLabel = "ENV",
            description = "Also say whether VMs of ENV boot warm (a saved guest restores), stale (the save is of an "
                    + "older build: cold until saved again) or cold, per size, with the command that fixes it.")
    String environment;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
        DoctorReport r = Clients.pyro().doctor(environment);
        if (json.on) {
            Output.json(r);
        } else {
            Map<String, Object> f = r.facts();
            Map<String, Object> platform = (Map<String, Object>) f.get("platform");
            Map<String, Object> kvm = (Map<String, Object>) f.get("kvm");
            System.out.printf("platform:     %s %s, kernel %s, %s cpus%n", platform.get("os"), platform.get("arch"),
                    platform.get("kernel"), platform.get("cpus"));
            System.out.printf("/dev/kvm:     %s%n", kvmLine(kvm));
            System.out.printf("acceleration: %s (%s)%n", f.get("accel"), f.get("accel_reason"));
            if (f.get("accel_probes_note") != null) {
                System.out.printf("  probes: %s%n", f.get("accel_probes_note"));
            }
            if (f.get("accel_probes") instanceof List<?> probes) {
                for (Map<String, Object> p : (List<Map<String, Object>>) probes) {
                    System.out.printf("  probe %-4s %s after %s ms%s%n", p.get("accel"),
                            Boolean.TRUE.equals(p.get("booted")) ? "booted" : "did not boot", p.get("ms"),
                            (p.get("reason") == null ? "" : ": " + p.get("reason"))
                                    + (Boolean.TRUE.equals(p.get("cached")) ? " (cached verdict)" : ""));
                }
            }
            System.out.printf("backend:      %s%n", f.get("backend"));
            if (f.get("channel") != null) {
                System.out.printf("channel:      %s%s%n", f.get("channel"), f.get("vsock") == null ? "" : " (vsock: " + f.get("vsock") + ")");
            }
            if (f.get("backends") instanceof List<?> backends) {
                System.out.printf("backends:     %s%n", String.join("; ", ((List<Map<String, Object>>) backends).stream()
                        .map(b -> b.get("name") + (Boolean.TRUE.equals(b.get("available")) ? " available"
                                : " not available (" + b.get("reason") + ")"))
                        .toList()));
            }
            for (Map<String, Object> t : (List<Map<String, Object>>) f.get("tools")) {
                System.out.printf("  %-20s %s%n", t.get("name"),
                        Boolean.TRUE.equals(t.get("found")) ? t.get("path") + "  " + t.get("version") : "not found");
            }
            System.out.printf("cache dir:    %s%n", f.get("cache_dir"));
            System.out.printf("state dir:    %s%n", f.get("state_dir"));
            System.out.printf("environments: %s%n", f.get("environments"));
            if (f.get("warm") instanceof List<?> warm) {
                for (Map<String, Object> w : (List<Map<String, Object>>) warm) {
                    System.out.printf("  %s %s vCPU/%s MiB: %s%s%n", w.get("environment"), w.get("vcpu_count"),
                            w.get("mem_mib"), w.get("state"), w.get("fix") == null ? "" : "  (" + w.get("fix") + ")");
                }
            }
            List<String> problems = (List<String>) f.get("problems");
            System.out.println(r.ok() ? "ok: this host can run guests" : "NOT ok: " + String.join("; ", problems));
        }
        return r.ok() ? 0 : 4;
    }

    /** What the /dev/kvm line says: PVM is named only where /dev/kvm is PVM's, never from the module alone. */
    static String kvmLine(Map<String, Object> kvm) {
        boolean device = Boolean.TRUE.equals(kvm.get("device_present"));
        if (device) {
            return "present" + (Boolean.TRUE.equals(kvm.get("pvm")) ? " (kvm_pvm: only PVM guest kernels)" : "");
        }
        return "absent" + (Boolean.TRUE.equals(kvm.get("pvm_module_loaded")) ? " (kvm_pvm is loaded but provides no /dev/kvm)" : "");
    }
}
