package pyro.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.EnvironmentList;
import pyro.core.model.PruneResult;

@Command(name = "env", description = "Guest environments (images built on this machine from Debian packages).",
        subcommands = {EnvCommand.List.class, EnvCommand.Inspect.class, EnvCommand.Pull.class, EnvCommand.Warm.class,
                EnvCommand.Prune.class})
final class EnvCommand {
    @Command(name = "list", description = "List environments and whether each is built.")
    static final class List implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            EnvironmentList l = Clients.pyro().listEnvironments();
            if (json) {
                Output.json(l);
            } else {
                for (EnvironmentInfo e : l.environments()) {
                    System.out.printf("%-16s %-10s %s%n", e.name(), e.installed() ? "installed" : "not built",
                            e.description());
                }
            }
            return 0;
        }
    }

    @Command(name = "inspect", description = "Show one environment.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
        String env;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            EnvironmentInfo e = Clients.pyro().inspectEnvironment(env);
            if (json) {
                Output.json(e);
            } else {
                print(e);
            }
            return 0;
        }
    }

    static void print(EnvironmentInfo e) {
        System.out.printf("name:        %s%n", e.name());
        System.out.printf("description: %s%n", e.description());
        System.out.printf("packages:    %s%n", String.join(" ", e.packages()));
        System.out.printf("installed:   %s%n", e.installed());
        System.out.printf("cache path:  %s%n", e.cachePath());
        if (e.installed()) {
            System.out.printf("kernel:      %s%n", e.kernelVersion());
            System.out.printf("built at:    %s%n", e.builtAt());
            System.out.printf("size:        %d MiB%n", e.sizeBytes() >> 20);
        }
    }

    @Command(name = "pull", description = "Build the environment into the cache (once; a broken entry is rebuilt).")
    static final class Pull implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
        String env;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            EnvironmentInfo e = Clients.pyro().pullEnvironment(env);
            if (json) {
                Output.json(e);
            } else {
                print(e);
            }
            return 0;
        }
    }

    @Command(name = "warm", description = "Save a booted guest of ENV for VMs of this size, so their boots restore it "
            + "(pull saves one for the default size).")
    static final class Warm implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
        String env;

        @Option(names = "--vcpu-count", defaultValue = "" + pyro.core.Pyro.DEFAULT_VCPUS, description = "Virtual CPUs (default ${DEFAULT-VALUE}).")
        int vcpus;

        @Option(names = "--mem-mib", defaultValue = "" + pyro.core.Pyro.DEFAULT_MEM_MIB, description = "Guest memory in MiB (default ${DEFAULT-VALUE}).")
        int memMib;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            var w = Clients.pyro().warmEnvironment(env, vcpus, memMib);
            if (json) {
                Output.json(w);
            } else {
                System.out.println(w.detail());
            }
            return 0;
        }
    }

    @Command(name = "prune", description = "Remove broken, partial and unknown cache entries.")
    static final class Prune implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            PruneResult r = Clients.pyro().pruneEnvironments();
            if (json) {
                Output.json(r);
            } else {
                System.out.printf("removed %d entries, freed %d MiB%n", r.removed().size(), r.bytesFreed() >> 20);
            }
            return 0;
        }
    }
}
