package pyro.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.RunResult;

@Command(name = "run", description = "Boot a fresh VM, run one command in it, throw the VM away. "
        + "The exit status is the command's.",
        footer = {"%nExamples:", "  pyro run debian:12 -- uname -a", "  pyro run debian:12-build --network --timeout-seconds 600 -- pip download rich", "  pyro run debian:12 --json -- python3 -c 'print(6*7)'"})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
    String env;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and its arguments, after '--'.")
    List<String> command;

    @Option(paramLabel = "N", names = "--vcpu-count", defaultValue = "" + Pyro.DEFAULT_VCPUS, description = "Virtual CPUs, 1 to 16.")
    int vcpus;

    @Option(paramLabel = "MIB", names = "--mem-mib", defaultValue = "" + Pyro.DEFAULT_MEM_MIB, description = "Guest memory in MiB, 256 to 32768.")
    int memMib;

    @Option(paramLabel = "SECONDS", names = "--timeout-seconds", defaultValue = "" + Pyro.DEFAULT_TIMEOUT_SECONDS, description = "Kill the command after this many seconds; the exit status is then 5.")
    long timeoutSeconds;

    @Option(names = "--ttl-seconds", paramLabel = "SECONDS",
            description = "The longest the VM may outlive this command, 30 to 604800 s, should pyro be killed before it"
                    + " deletes the VM (default: the timeout plus 300, at least 600).")
    Long ttlSeconds;

    @Option(names = {"--network", "--network-policy"}, arity = "0..1", paramLabel = "off|egress", parameterConsumer = NetworkOption.class,
            description = "Network policy (default off: no network device). Alone: egress, outbound through passt.")
    String network;

    @Option(names = "--cold", description = "Boot the guest even when a saved, booted one could be restored (for comparison).")
    boolean cold;

    @Mixin JsonOption json;

    @Override
    public Integer call() {
        var options = new pyro.core.RunOptions(vcpus, memMib, timeoutSeconds, NetworkOption.egressOnly(network), cold);
        RunResult r = Clients.pyro().runInVm(env, command == null ? List.of() : command,
                ttlSeconds == null ? options : options.ttlSeconds(ttlSeconds),
                ExecOutput.live(json.on));
        return ExecOutput.print(r.exec(), json.on ? r : null, timeoutSeconds, !json.on);
    }
}
