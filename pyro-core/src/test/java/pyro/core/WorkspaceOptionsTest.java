package pyro.core;

import pyro.protocol.ErrorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secret files of {@code WorkspaceOptions.secretFile} (also the CLI's --secret-file and MCP's secret_files). */
class WorkspaceOptionsTest {
    static PyroException refused(Path file) {
        // a read with no bound never returns from /dev/zero, and opening a FIFO waits for a writer
        PyroException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThrows(PyroException.class,
                () -> WorkspaceOptions.of("debian:12").secretFile("KEY", file)));
        assertEquals(ErrorCode.INVALID_INPUT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'KEY'"), e.getMessage());
        return e;
    }

    /** Issue 23, row 1: {@code Files.size} is 0 for a device, so the 64 KiB check passed and the read had no end. */
    @Test
    void secretFileFromADeviceOrFifoIsRefusedNotReadWhole(@TempDir Path tmp) throws Exception {
        assertTrue(refused(Path.of("/dev/zero")).getMessage().contains("not a regular file"));
        Path fifo = tmp.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        assertTrue(refused(fifo).getMessage().contains("not a regular file"));
        assertTrue(refused(tmp).getMessage().contains("not a regular file"));
        Path big = Files.write(tmp.resolve("big"), new byte[64 * 1024 + 1]);
        assertTrue(refused(big).getMessage().endsWith("is over 64 KiB."));

        Path exact = Files.writeString(tmp.resolve("exact"), "k".repeat(64 * 1024 - 1) + "\n");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), exact);
        assertEquals("k".repeat(64 * 1024 - 1), WorkspaceOptions.of("debian:12").secretFile("KEY", link).secrets()
                .get("KEY"), "a link to a regular file is followed, and a value at the limit is read");
    }
}
