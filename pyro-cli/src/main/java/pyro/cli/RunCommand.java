package pyro.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.Pyro;
import pyro.core.model.RunResult;

@Command(name = "run", description = "Boot a fresh VM, run one command in it, throw the VM away. "
        + "The exit status is the command's.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
    String env;

    @Parameters(index = "1..*", paramLabel = "CMD", description = "The command and its arguments, after '--'.")
    List<String> command;

    @Option(names = "--vcpu-count", defaultValue = "" + Pyro.DEFAULT_VCPUS, description = "Virtual CPUs (default ${DEFAULT-VALUE}).")
    int vcpus;

    @Option(names = "--mem-mib", defaultValue = "" + Pyro.DEFAULT_MEM_MIB, description = "Guest memory in MiB (default ${DEFAULT-VALUE}).")
    int memMib;

    @Option(names = "--timeout-seconds", defaultValue = "" + Pyro.DEFAULT_TIMEOUT_SECONDS, description = "Kill the command after this many seconds (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--network", arity = "0..1", paramLabel = "off|egress", parameterConsumer = NetworkOption.class,
            description = "Network policy (default off: no network device). Alone: egress, outbound through passt.")
    String network;

    @Option(names = "--cold", description = "Boot the guest even when a saved, booted one could be restored (for comparison).")
    boolean cold;

    @Option(names = "--json", description = "Print the result record as JSON instead of the command's output.")
    boolean json;

    @Override
    public Integer call() {
        RunResult r = Clients.pyro().runInVm(env, command == null ? List.of() : command,
                new pyro.core.RunOptions(vcpus, memMib, timeoutSeconds, NetworkOption.egressOnly(network), cold),
                ExecOutput.live(json));
        return ExecOutput.print(r.exec(), json ? r : null, timeoutSeconds, !json);
    }
}
