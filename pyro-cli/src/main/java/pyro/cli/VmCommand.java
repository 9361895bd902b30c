package pyro.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.JsonRecord;
import pyro.core.model.VmInfo;

@Command(name = "vm", description = "Low-level VM lifecycle: create, start, exec, stop, delete, status, reap-expired.",
        subcommands = {VmCommand.Create.class, VmCommand.Start.class, VmCommand.Exec.class, VmCommand.Stop.class,
            VmCommand.Delete.class, VmCommand.Status.class, VmCommand.Reap.class},
        footer = {"%nExamples:", "  id=$(pyro vm create debian:12)", "  pyro vm start $id", "  pyro vm exec $id -- uname -r", "  pyro vm delete $id"})
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
                + " vcpu  " + v.memMib() + " MiB  expires " + Human.ago(v.expiresAt())
                + (v.stateReason() != null ? "  (" + v.stateReason() + ")" : "");
    }

    @Command(name = "create", description = "Create a VM record (does not boot it).",
        footer = {"%nExample:", "  pyro vm create debian:12 --mem-mib 2048 --ttl-seconds 1800"})
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build") String env;
        @Option(paramLabel = "N", names = "--vcpu-count", defaultValue = "" + Pyro.DEFAULT_VCPUS, description = "Virtual CPUs, 1 to 16.") int vcpus;
        @Option(paramLabel = "MIB", names = "--mem-mib", defaultValue = "" + Pyro.DEFAULT_MEM_MIB, description = "Guest memory in MiB, 256 to 32768.") int memMib;
        @Option(paramLabel = "SECONDS", names = "--ttl-seconds", defaultValue = "" + Pyro.DEFAULT_TTL_SECONDS,
                description = "Lifetime, 30 to 604800 s, counted from create (a VM's TTL is not renewed by use): then the"
                        + " VM is stopped and expired (delete it, or let reap-expired do it).") long ttl;
        @Option(names = {"--network", "--network-policy"}, arity = "0..1", paramLabel = "off|egress", parameterConsumer = NetworkOption.class,
                description = "Network policy (default off: no network device). Alone: egress.") String network;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().createVm(env, vcpus, memMib, ttl, NetworkOption.egressOnly(network));
            return show(json.on, v, v.vmId());
        }
    }

    @Command(name = "start", description = "Boot a created VM.",
        footer = {"%nExample:", "  pyro vm start vm-3f9a1c2b4d5e"})
    static final class Start implements Callable<Integer> {
        @Parameters(paramLabel = "VM", description = "The VM\'s id (vm-...).") String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().startVm(id);
            return show(json.on, v, line(v));
        }
    }

    @Command(name = "exec", description = "Run a command in a started VM.",
        footer = {"%nExample:", "  pyro vm exec vm-3f9a1c2b4d5e -- uname -r"})
    static final class Exec implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "VM", description = "The VM\'s id (vm-...).") String id;
        @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and its arguments, after '--'.") List<String> command;
        @Option(paramLabel = "SECONDS", names = "--timeout-seconds", defaultValue = "" + Pyro.DEFAULT_TIMEOUT_SECONDS,
                description = "Kill the command after this many seconds; the exit status is then 5.") long timeout;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().execVm(id, command == null ? List.of() : command, timeout);
            return ExecOutput.print(r, json.on ? r : null, timeout);
        }
    }

    @Command(name = "stop", description = "Shut a VM down (its record stays until deleted).",
        footer = {"%nExample:", "  pyro vm stop vm-3f9a1c2b4d5e"})
    static final class Stop implements Callable<Integer> {
        @Parameters(paramLabel = "VM", description = "The VM\'s id (vm-...).") String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().stopVm(id);
            return show(json.on, v, line(v));
        }
    }

    @Command(name = "delete", description = "Stop a VM and remove everything it left.",
        footer = {"%nExample:", "  pyro vm delete vm-3f9a1c2b4d5e"})
    static final class Delete implements Callable<Integer> {
        @Parameters(paramLabel = "VM", description = "The VM\'s id (vm-...).") String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().deleteVm(id);
            return show(json.on, r, "deleted " + r.id());
        }
    }

    @Command(name = "status", description = "Show a VM's record.",
        footer = {"%nExample:", "  pyro vm status vm-3f9a1c2b4d5e --json"})
    static final class Status implements Callable<Integer> {
        @Parameters(paramLabel = "VM", description = "The VM\'s id (vm-...).") String id;
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            VmInfo v = Clients.pyro().statusVm(id);
            return show(json.on, v, line(v));
        }
    }

    @Command(name = "reap-expired", description = "Release every VM and workspace whose TTL has passed.",
        footer = {"%nExample:", "  pyro vm reap-expired"})
    static final class Reap implements Callable<Integer> {
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var r = Clients.pyro().reapExpired();
            return show(json.on, r, "reaped " + r.reaped().size() + (r.reaped().isEmpty() ? "" : ": "
                    + String.join(" ", r.reaped())));
        }
    }
}
