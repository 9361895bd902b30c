package pyro.host;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @Test
    void backendsDoNotRunTheSupervisorThemselves() {
        noClasses().that().resideInAPackage("pyro.kvm..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.core.supervisor..")
                .because("a backend describes how to run one VM (a LaunchPlan); core's supervisor runs it")
                .check(classes);
    }
}
