package pyro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Doctor's /dev/kvm line names PVM only where /dev/kvm is PVM's, never from the loaded module alone (issue 19). */
class DoctorKvmLineTest {
    static Map<String, Object> kvm(boolean device, boolean pvmModule) {
        return Map.of("device_present", device, "pvm", device && pvmModule, "pvm_module_loaded", pvmModule);
    }

    @Test
    void pvmModuleWithoutADeviceSaysAbsentAndNotOnlyPvmKernels() {
        assertEquals("absent (kvm_pvm is loaded but provides no /dev/kvm)", DoctorCommand.kvmLine(kvm(false, true)));
    }

    @Test
    void eachOtherCaseSaysWhatTheHostHas() {
        assertEquals("present (kvm_pvm: only PVM guest kernels)", DoctorCommand.kvmLine(kvm(true, true)));
        assertEquals("present", DoctorCommand.kvmLine(kvm(true, false)));
        assertEquals("absent", DoctorCommand.kvmLine(kvm(false, false)));
    }
}
