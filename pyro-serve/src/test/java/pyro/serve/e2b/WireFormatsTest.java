package pyro.serve.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Multipart bodies, envd's EntryInfo from find's lines, and the small conversions E2B's fields need. */
class WireFormatsTest {
    @Test
    void multipartPartsAsUndiciSendsThem() {
        String b = "----formdata-undici-0123456789";
        String body = "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"/home/user/a \\\"q\\\".txt\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\nhello\r\n--\r\nworld\r\n"
                + "--" + b + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b%22.bin\"\r\n\r\n\r\n"
                + "--" + b + "--\r\n";
        assertEquals(b, Multipart.boundary("multipart/form-data; boundary=" + b));
        assertEquals(b, Multipart.boundary("multipart/form-data; boundary=\"" + b + "\""));
        assertNull(Multipart.boundary("application/json"));
        List<Multipart.Part> parts = Multipart.parse(body.getBytes(StandardCharsets.UTF_8), b);
        assertEquals(2, parts.size());
        assertEquals("file", parts.get(0).name());
        assertEquals("/home/user/a \"q\".txt", parts.get(0).filename());
        assertArrayEquals("hello\r\n--\r\nworld".getBytes(StandardCharsets.UTF_8), parts.get(0).content());
        assertEquals("b\".bin", parts.get(1).filename());
        assertEquals(0, parts.get(1).content().length);
        assertThrows(E2bError.class, () -> Multipart.parse("no boundary".getBytes(StandardCharsets.UTF_8), b));
        assertThrows(E2bError.class, () -> Multipart.parse(("--" + b + "\r\nX: y\r\n\r\nunterminated").getBytes(StandardCharsets.UTF_8), b));
    }

    @Test
    void findLinesBecomeProto3JsonEntries() {
        String out = "f\t23\t644\troot\troot\t1765141200.250000000\t\t/workspace/notes/hello.txt\0"
                + "d\t4096\t755\troot\troot\t1765141200.0000000000\t\t/workspace/notes/sub\0"
                + "l\t7\t777\troot\troot\t1765141200.5\t../x\t/workspace/notes/link\tname\0";
        List<Map<String, Object>> e = EnvdFilesystem.entries(out, "/home/user/notes");
        assertEquals(3, e.size());
        assertEquals("hello.txt", e.get(0).get("name"));
        assertEquals("FILE_TYPE_FILE", e.get(0).get("type"));
        assertEquals("/home/user/notes/hello.txt", e.get(0).get("path"));
        assertEquals("23", e.get(0).get("size"), "int64 is a string in proto3 JSON");
        assertEquals(0644L, e.get(0).get("mode"));
        assertEquals("-rw-r--r--", e.get(0).get("permissions"));
        assertEquals("2025-12-07T21:00:00.250Z", e.get(0).get("modifiedTime"));
        assertEquals("FILE_TYPE_DIRECTORY", e.get(1).get("type"));
        assertEquals((1L << 31) | 0755, e.get(1).get("mode"));
        assertEquals("drwxr-xr-x", e.get(1).get("permissions"));
        assertEquals("FILE_TYPE_SYMLINK", e.get(2).get("type"));
        assertEquals("../x", e.get(2).get("symlinkTarget"));
        assertEquals("link\tname", e.get(2).get("name"), "a tab in a name survives: the path is the last field");
        assertEquals("/workspace/notes/sub", EnvdFilesystem.entries(out, "/workspace/notes").get(1).get("path"));
    }

    @Test
    void timeoutsAndTemplates() {
        assertEquals(30, ControlPlane.ttl(5, 0), "pyro's least TTL");
        assertEquals(300, ControlPlane.ttl(300, 0));
        assertEquals(7L * 24 * 3600, ControlPlane.ttl(Long.MAX_VALUE, 0));
        assertEquals(30, ControlPlane.ttl(null, 15), "E2B's default of 15 s, raised to pyro's least");
        assertThrows(E2bError.class, () -> ControlPlane.ttl("300", 0));
        assertEquals("debian:12", ControlPlane.environment("base"));
        assertEquals("debian:12-build", ControlPlane.environment("debian:12-build"));
        assertEquals(60, EnvdProcess.seconds("60000"));
        assertEquals(1, EnvdProcess.seconds("1"));
        assertEquals(EnvdProcess.MAX_SECONDS, EnvdProcess.seconds(null));
        assertThrows(E2bError.class, () -> EnvdProcess.seconds("soon"));
        assertEquals(Map.of("a b", "c&d", "x", "y"), ControlPlane.metadataQuery("a%20b=c%26d&x=y"));
    }

    @Test
    void environmentVariablesGoThroughEnvTheCallsWinning() {
        List<String> argv = List.of("/bin/bash", "-l", "-c", "echo $A");
        assertEquals(argv, EnvdProcess.withEnv(argv, Map.of(), Map.of()));
        assertEquals(List.of("env", "--", "A=call", "/bin/bash", "-l", "-c", "echo $A"),
                EnvdProcess.withEnv(argv, Map.of("A", "sandbox"), Map.of("A", "call")));
        assertThrows(E2bError.class, () -> EnvdProcess.withEnv(argv, Map.of(), Map.of("A=B", "x")));
    }
}
