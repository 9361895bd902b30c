package pyro.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import pyro.core.model.EnvironmentInfo;
import pyro.core.model.EnvironmentList;
import pyro.core.model.PruneResult;

@Command(name = "env", description = "Guest environments (images built on this machine from Debian packages).",
        subcommands = {EnvCommand.List.class, EnvCommand.Inspect.class, EnvCommand.Pull.class, EnvCommand.Warm.class,
                EnvCommand.Prune.class},
        footer = {"%nExamples:", "  pyro env list", "  pyro env pull debian:12"})
final class EnvCommand {
    @Command(name = "list", description = "List environments and whether each is built.",
        footer = {"%nExample:", "  pyro env list"})
    static final class List implements Callable<Integer> {
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            EnvironmentList l = Clients.pyro().listEnvironments();
            if (json.on) {
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

    @Command(name = "inspect", description = "Show one environment.",
        footer = {"%nExample:", "  pyro env inspect debian:12-build"})
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
        String env;

        @Mixin JsonOption json;

        @Override
        public Integer call() {
            EnvironmentInfo e = Clients.pyro().inspectEnvironment(env);
            if (json.on) {
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

    @Command(name = "pull", description = "Build the environment into the cache (once; a broken entry is rebuilt).",
        footer = {"%nExample:", "  pyro env pull debian:12"})
    static final class Pull implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
        String env;

        @Mixin JsonOption json;

        @Override
        public Integer call() {
            EnvironmentInfo e = Clients.pyro().pullEnvironment(env);
            if (json.on) {
                Output.json(e);
            } else {
                print(e);
            }
            return 0;
        }
    }

    @Command(name = "warm", description = "Save a booted guest of ENV for VMs of this size, so their boots restore it "
            + "(pull saves one for the default size).",
        footer = {"%nExample:", "  pyro env warm debian:12 --vcpu-count 2 --mem-mib 2048"})
    static final class Warm implements Callable<Integer> {
        @Parameters(paramLabel = "ENV", description = "debian:12, debian:12-base or debian:12-build")
        String env;

        @Option(paramLabel = "N", names = "--vcpu-count", defaultValue = "" + pyro.core.Pyro.DEFAULT_VCPUS, description = "Virtual CPUs of the VMs to restore it into, 1 to 16.")
        int vcpus;

        @Option(paramLabel = "MIB", names = "--mem-mib", defaultValue = "" + pyro.core.Pyro.DEFAULT_MEM_MIB, description = "Guest memory in MiB of the VMs to restore it into, 256 to 32768.")
        int memMib;

        @Mixin JsonOption json;

        @Override
        public Integer call() {
            var w = Clients.pyro().warmEnvironment(env, vcpus, memMib);
            if (json.on) {
                Output.json(w);
            } else {
                System.out.println(w.detail());
            }
            return 0;
        }
    }

    @Command(name = "prune", description = "Remove broken, partial and unknown cache entries.",
        footer = {"%nExample:", "  pyro env prune"})
    static final class Prune implements Callable<Integer> {
        @Mixin JsonOption json;

        @Override
        public Integer call() {
            PruneResult r = Clients.pyro().pruneEnvironments();
            if (json.on) {
                Output.json(r);
            } else {
                System.out.printf("removed %d entries, freed %d MiB%n", r.removed().size(), r.bytesFreed() >> 20);
            }
            return 0;
        }
    }
}
