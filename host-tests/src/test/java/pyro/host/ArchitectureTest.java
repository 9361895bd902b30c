package pyro.host;

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
                .importPackages("pyro.core", "pyro.kvm", "pyro.cli", "pyro.mcp", "pyro.agent");
    }

    @Test
    void facesNeverTouchABackendOrCoreInternals() {
        noClasses().that().resideInAnyPackage("pyro.cli..", "pyro.mcp..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.kvm..", "pyro.core.internal..",
                        "pyro.core.supervisor..")
                .because("the CLI and MCP server are thin adapters over the Pyro SDK")
                .check(classes);
    }

    @Test
    void coreNeverDependsOnABackendOrAFace() {
        noClasses().that().resideInAnyPackage("pyro.core..")
                .should().dependOnClassesThat().resideInAnyPackage("pyro.kvm..", "pyro.cli..", "pyro.mcp..",
                        "pyro.agent..")
                .because("backends plug in through pyro.core.spi")
                .check(classes);
    }

    @Test
    void theAgentDependsOnlyOnCoresProtocolAndArchivePackages() {
        noClasses().that().resideInAPackage("pyro.agent..")
                .should().dependOnClassesThat(com.tngtech.archunit.base.DescribedPredicate.describe(
                        "pyro.core classes other than the protocol, the archive code and ErrorCode",
                        c -> c.getPackageName().startsWith("pyro.core")
                                && !c.getPackageName().equals("pyro.core.protocol")
                                && !c.getPackageName().equals("pyro.core.archive")
                                && !c.getName().equals("pyro.core.ErrorCode")))
                .because("the guest image carries only what the agent needs, and it never knows which face asked")
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
