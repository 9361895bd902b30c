package pyro.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.JsonRecord;
import pyro.core.model.VmInfo;

@Command(name = "vm", description = "Low-level VM lifecycle: create, start, exec, stop, delete, status, reap-expired.",
        subcommands = {VmCommand.Create.class, VmCommand.Start.class, VmCommand.Exec.class, VmCommand.Stop.class,
            VmCommand.Delete.class, VmCommand.Status.class, VmCommand.Reap.class})
final class VmCommand {
    static int show(boolean json, JsonRecord r, String human) {
        if (json) {
            Output.json(r);
        } else {
            System.out.println(human);
        }
        return 0;
    }

    static String line(VmInfo v) {
        return v.vmId() + "  " + v.state() + "  " + v.environment() + "  " + v.accel() + "  " + v.vcpuCount()
                + " vcpu  " + v.memMib() + " MiB  expires " + v.expiresAt()
                + (v.stateReason() != null ? "  (" + v.stateReason() + ")" : "");
    }

    @Command(name = "create", description = "Create a VM record (does not boot it).")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "ENV") String env;
        @Option(names = "--vcpu-count", defaultValue = "" + Pyro.DEFAULT_VCPUS) int vcpus;
        @Option(names = "--mem-mib", defaultValue = "" + Pyro.DEFAULT_MEM_MIB) int memMib;
        @Option(names = "--ttl-seconds", defaultValue = "" + Pyro.DEFAULT_TTL_SECONDS) long ttl;
        @Option(names = "--network", arity = "0..1", paramLabel = "off|egress", parameterConsumer = NetworkOption.class,
                description = "Network policy (default off: no network device). Alone: egress.") String network;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().createVm(env, vcpus, memMib, ttl, NetworkOption.egressOnly(network));
            return show(json, v, v.vmId());
        }
    }

    @Command(name = "start", description = "Boot a created VM.")
    static final class Start implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().startVm(id);
            return show(json, v, line(v));
        }
    }

    @Command(name = "exec", description = "Run a command in a started VM.")
    static final class Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "VM") String id;
        @Parameters(index = "1..*", paramLabel = "CMD") List<String> command;
        @Option(names = "--timeout-seconds", defaultValue = "" + Pyro.DEFAULT_TIMEOUT_SECONDS) long timeout;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().execVm(id, command == null ? List.of() : command, timeout);
            return ExecOutput.print(r, json ? r : null, timeout);
        }
    }

    @Command(name = "stop", description = "Shut a VM down (its record stays until deleted).")
    static final class Stop implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().stopVm(id);
            return show(json, v, line(v));
        }
    }

    @Command(name = "delete", description = "Stop a VM and remove everything it left.")
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().deleteVm(id);
            return show(json, r, "deleted " + r.id());
        }
    }

    @Command(name = "status", description = "Show a VM's record.")
    static final class Status implements Callable<Integer> {
        @Parameters(paramLabel = "VM") String id;
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().statusVm(id);
            return show(json, v, line(v));
        }
    }

    @Command(name = "reap-expired", description = "Release every VM and workspace whose TTL has passed.")
    static final class Reap implements Callable<Integer> {
        @Option(names = "--json") boolean json;

        @Override
        public Integer call() {
            var r = Clients.pyro().reapExpired();
            return show(json, r, "reaped " + r.reaped().size() + (r.reaped().isEmpty() ? "" : ": "
                    + String.join(" ", r.reaped())));
        }
    }
}
