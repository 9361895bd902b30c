package pyro.core.internal;

import java.nio.file.Path;
import pyro.core.PyroException;
import pyro.core.model.DiffResult;
import pyro.core.model.ExportResult;
import pyro.core.model.SeedInfo;
import pyro.core.model.SyncResult;
import pyro.core.spi.ProgressSink;

/** Moves files between the host and /workspace as tar streams, and diffs against the baseline. */
final class WorkspaceFiles {
    private final VmManager vms;

    WorkspaceFiles(VmManager vms) {
        this.vms = vms;
    }

    SeedInfo seed(String id, SeedSource seed, ProgressSink progress) {
        if (seed == null) {
            return SeedInfo.EMPTY;
        }
        throw PyroException.invalid("seeding is not available in this build yet.");
    }

    SyncResult push(String id, SeedSource src, String dest) {
        throw PyroException.invalid("sync push is not available in this build yet.");
    }

    DiffResult diff(String id) {
        throw PyroException.invalid("diff is not available in this build yet.");
    }

    ExportResult export(String id, String guestPath, Path output) {
        throw PyroException.invalid("export is not available in this build yet.");
    }
}
