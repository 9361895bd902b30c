package pyro.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The agent's AF_VSOCK bindings on this host's own kernel: the socket address bytes, a real listener
 * (socket, bind to any CID, listen), and errno captured and named when bind fails. Nothing connects
 * here (a host cannot reach its own vsock listener without a loopback transport, and the host never
 * connects to CID 2); accepting a host connection is exercised by the guest suite over QEMU with
 * vhost-device-vsock.
 */
class VsockHostTest {
    @Test
    void sockaddrVmIsSixteenBytesFamilyPortCidInHostOrder() {
        try (Arena a = Arena.ofConfined()) {
            byte[] got = Vsock.sockaddr(a, -1, 52).toArray(ValueLayout.JAVA_BYTE);
            // little-endian x86_64/aarch64: family 40, reserved 0, port 52, cid 0xffffffff, flags and padding 0
            assertArrayEquals(new byte[] {40, 0, 0, 0, 52, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0}, got);
        }
    }

    @Test
    void aListenerBindsAndASecondBindOfItsPortFailsNamingTheErrno() throws IOException {
        assumeTrue(Files.exists(Path.of("/dev/vsock")), "this kernel has no vsock (/dev/vsock is absent)");
        int port = 40_000 + (int) (ProcessHandle.current().pid() % 20_000);
        try (Vsock.Listener l = Vsock.Listener.open(port)) {
            IOException e = assertThrows(IOException.class, () -> Vsock.Listener.open(port).close());
            assertTrue(e.getMessage().contains("bind(vsock port " + port + ") failed with errno 98"), e.getMessage());
        }
        // closed: the port is free again
        Vsock.Listener.open(port).close();
    }

    @Test
    void portZeroIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vsock.Listener.open(0));
        assertTrue(e.getMessage().contains("not 0"), e.getMessage());
    }
}
