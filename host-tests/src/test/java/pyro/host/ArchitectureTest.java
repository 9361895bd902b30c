package pyro.host;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import pyro.core.spi.InstancePaths;
import pyro.core.spi.VmmControl;

/**
 * The layering as rules: data flows face -> Pyro -> manager -> backend -> supervisor -> agent, and
 * nothing reaches around it. (JPMS enforces most of it at compile time; these rules also hold for
 * class-path use and name the offending class and call when broken.)
 */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void importAll() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("pyro.protocol", "pyro.core", "pyro.kvm", "pyro.cli", "pyro.mcp", "pyro.serve", "pyro.agent");
    }

    @Test
    void facesNeverTouchABackendOrCoreInternals() {
        noClasses().that().resideInAnyPackage("pyro.cli..", "pyro.mcp..", "pyro.serve..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.kvm..", "pyro.core.internal..",
                        "pyro.core.supervisor..")
                .because("the CLI, the MCP server and the HTTP server are thin adapters over the Pyro SDK")
                .check(classes);
    }

    @Test
    void coreNeverDependsOnABackendOrAFace() {
        noClasses().that().resideInAnyPackage("pyro.core..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.kvm..", "pyro.cli..", "pyro.mcp..",
                        "pyro.serve..", "pyro.agent..")
                .because("backends plug in through pyro.core.spi")
                .check(classes);
    }

    @Test
    void theAgentDependsOnlyOnTheProtocolModule() {
        noClasses().that().resideInAPackage("pyro.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.core..", "pyro.kvm..", "pyro.cli..",
                        "pyro.mcp..", "pyro.serve..")
                .because("the guest image carries pyro.protocol alone, and the agent never knows which face asked")
                .check(classes);
    }

    @Test
    void theProtocolDependsOnNothingOfPyros() {
        noClasses().that().resideInAPackage("pyro.protocol..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.core..", "pyro.kvm..", "pyro.cli..",
                        "pyro.mcp..", "pyro.serve..", "pyro.agent..")
                .because("both sides of the channel build on it; it builds on neither")
                .check(classes);
    }

    @Test
    void noCyclesBetweenModulesNorInsideTheProtocol() {
        slices().matching("pyro.(*)..").should().beFreeOfCycles()
                .because("each module builds on the ones below it (protocol, core, kvm, then the faces)")
                .check(classes);
        slices().matching("pyro.protocol.(**)").should().beFreeOfCycles()
                .because("the protocol's packages start without cycles (pyro.core's still have one: issue 20)")
                .check(classes);
    }

    /**
     * Issue 20: one controller per running VM. The VMM's control clients (QEMU's monitor, Firecracker's
     * API over {@code UnixHttp}) are used only by a backend's {@link VmmControl} (and by the supervisor
     * itself for a plan's boot-time API calls); a VmmControl's calls are made only inside the supervisor;
     * no backend reads core's launch.json. So no client process pauses, saves or resumes a running VM.
     */
    @Test
    void onlyTheSupervisorControlsARunningVmm() {
        noClasses().that().doNotImplement(VmmControl.class)
                .and().doNotHaveFullyQualifiedName("pyro.kvm.qemu.Qmp")
                .and().doNotHaveFullyQualifiedName("pyro.kvm.qemu.WarmStore")
                .should().dependOnClassesThat().haveFullyQualifiedName("pyro.kvm.qemu.Qmp")
                .because("QEMU's monitor of a running VM is its supervisor's, through the backend's VmmControl"
                        + " (WarmStore saves a QEMU of its own, which no supervisor runs)")
                .check(classes);
        noClasses().that().doNotImplement(VmmControl.class)
                .and().resideOutsideOfPackage("pyro.core.supervisor..")
                .and().doNotHaveFullyQualifiedName("pyro.core.internal.UnixHttp")
                .should().dependOnClassesThat().haveFullyQualifiedName("pyro.core.internal.UnixHttp")
                .because("a VMM's HTTP API (Firecracker's api.sock) is called by the supervisor (the plan's boot calls)"
                        + " and the backend's VmmControl it holds, never from a client process")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("pyro.core.supervisor..")
                .and().doNotImplement(VmmControl.class)
                .should().callMethodWhere(new DescribedPredicate<JavaMethodCall>("a VmmControl's control call") {
                    @Override
                    public boolean test(JavaMethodCall call) {
                        return call.getTargetOwner().isAssignableTo(VmmControl.class)
                                && !call.getName().equals("unsupported");
                    }
                })
                .because("the supervisor alone pauses, saves and resumes its VM, so it always knows whether its guest runs")
                .check(classes);
        noClasses().that().resideInAPackage("pyro.kvm..")
                .should().callMethod(InstancePaths.class, "launchFile")
                .because("launch.json is core's private file: a backend gets the typed plan (BackendProvider.control)")
                .check(classes);
    }

    @Test
    void backendsDoNotRunTheSupervisorThemselves() {
        noClasses().that().resideInAPackage("pyro.kvm..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.core.supervisor..")
                .because("a backend describes how to run one VM (a LaunchPlan); core's supervisor runs it")
                .check(classes);
    }
}
