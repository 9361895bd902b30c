package pyro.agent.secret;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import pyro.fuzz.Fuzzer;

/**
 * Secret inputs and the output they must not appear in: the filter that redacts a service's logs and a
 * shell's terminal sees output in pieces of any size. An input is read as a secret value (its first
 * line, 8 bytes or more) and the output around it; the output is written whole and again in pieces
 * cut where the input's hash says. Both must give the same bytes, and no value may survive (unless the
 * redaction marker itself spells it, which is not a leak).
 */
class SecretFilterFuzzTest {
    static List<byte[]> seeds() {
        return List.of(
                "s3cret-token-123\nlog: s3cret-token-123 and s3cret-token-12 and s3cret-token-123\n".getBytes(StandardCharsets.UTF_8),
                "aaaaaaaa\naaaaaaaaaaaaaaaaaaaaaaaaa\r\naaaaaaa".getBytes(StandardCharsets.UTF_8),
                "multi\\nline-value\nmulti\\nline-value in\r\n a terminal\n".getBytes(StandardCharsets.UTF_8),
                "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\n\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9 x".getBytes(StandardCharsets.UTF_8));
    }

    static byte[] filtered(List<Map.Entry<String, byte[]>> secrets, byte[] text, int[] cuts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SecretFilter f = new SecretFilter(secrets, (b, off, n) -> out.write(b, off, n), 60_000);
        int from = 0;
        for (int cut : cuts) {
            f.write(text, from, cut - from);
            from = cut;
        }
        f.write(text, from, text.length - from);
        f.flush();
        return out.toByteArray();
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void outputInPiecesIsRedactedAsOutputWholeAndNoValueSurvives() {
        Fuzzer.run("secret-filter", seeds(), input -> {
            int nl = indexOf(input, new byte[] {'\n'});
            if (nl < 8) {
                return; // not a secret the CLI would take: values under 8 bytes are refused
            }
            byte[] value = java.util.Arrays.copyOf(input, nl);
            byte[] text = java.util.Arrays.copyOfRange(input, nl + 1, input.length);
            List<Map.Entry<String, byte[]>> secrets = List.of(Map.entry("TOKEN", value));
            byte[] whole = filtered(secrets, text, new int[0]);
            Random r = new Random(java.util.Arrays.hashCode(input));
            List<Integer> cuts = new ArrayList<>();
            for (int at = 0; text.length > 1 && cuts.size() < 8; ) {
                at += 1 + r.nextInt(Math.max(1, text.length / 3));
                if (at >= text.length) {
                    break;
                }
                cuts.add(at);
            }
            byte[] pieces = filtered(secrets, text, cuts.stream().mapToInt(Integer::intValue).toArray());
            if (!java.util.Arrays.equals(whole, pieces)) {
                throw new AssertionError("cut at " + cuts + " the output differs: whole "
                        + new String(whole, StandardCharsets.UTF_8) + " | in pieces " + new String(pieces, StandardCharsets.UTF_8));
            }
            byte[] marker = "[redacted:TOKEN]".getBytes(StandardCharsets.UTF_8);
            boolean markerSpellsIt = indexOf(marker, value) >= 0 || indexOf(value, new byte[] {'['}) >= 0
                    || indexOf(value, new byte[] {']'}) >= 0;
            if (!markerSpellsIt && indexOf(whole, value) >= 0) {
                throw new AssertionError("the value survived redaction: " + new String(whole, StandardCharsets.UTF_8));
            }
        });
    }
}
