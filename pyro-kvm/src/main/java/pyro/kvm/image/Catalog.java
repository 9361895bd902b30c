package pyro.kvm.image;

import java.util.List;
import java.util.Optional;

/** The environments pyro knows how to build, and their Debian packages. */
public final class Catalog {
    public record Entry(String name, String description, List<String> packages) {
        /** Folder name in the cache: {@code debian:12-base} becomes {@code debian_12-base}. */
        public String folder() {
            return name.replace(':', '_');
        }
    }

    private static final List<String> BASE = List.of("bash", "coreutils");
    private static final List<String> STANDARD =
            List.of("bash", "coreutils", "git", "ca-certificates", "python3", "curl", "procps", "iproute2");

    public static final List<Entry> ALL = List.of(
            new Entry("debian:12", "Debian 12 (bookworm) with git, python3, curl and the usual tools", STANDARD),
            new Entry("debian:12-base", "Debian 12 (bookworm), minimal", BASE),
            new Entry("debian:12-build", "Debian 12 (bookworm) with build-essential",
                    concat(STANDARD, List.of("build-essential"))));

    private Catalog() {}

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    public static Optional<Entry> find(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    public static String names() {
        return String.join(", ", ALL.stream().map(Entry::name).toList());
    }
}
