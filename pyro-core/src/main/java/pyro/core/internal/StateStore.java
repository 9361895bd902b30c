package pyro.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import pyro.core.spi.InstancePaths;

/**
 * One private folder per VM or workspace under {@code STATE/instances/ID/}, holding
 * {@code record.json} (written atomically, updated under a file lock so separate pyro processes never
 * lose each other's changes), the exec journal, sockets and the disk overlay.
 */
public final class StateStore {
    private final Path stateDir;
    private final Path root;

    public StateStore(Path stateDir) {
        this.stateDir = stateDir;
        this.root = stateDir.resolve("instances");
    }

    /** pyro's state folder (the parent of {@link #root()}). */
    public Path stateDir() {
        return stateDir;
    }

    public Path root() {
        return root;
    }

    public Path dir(String id) {
        return root.resolve(id);
    }

    /** The files of one instance's folder. */
    public InstancePaths paths(String id) {
        return new InstancePaths(dir(id));
    }

    /** Creates the folder (0700) and writes the first record. */
    public Path create(Instance instance) {
        try {
            Files2.privateDir(root.getParent());
            Files2.privateDir(root);
            Path dir = root.resolve(instance.id());
            Files.createDirectory(dir);
            Files2.privateDir(dir);
            write(dir, instance);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create state folder for " + instance.id() + " under " + root, e);
        }
    }

    /**
     * Loads one record; empty when there is none. A record that cannot be read, is not JSON, or lacks
     * the fields every record has is a {@link CorruptRecord} naming the file, so one bad record
     * never poisons calls about others.
     */
    public Optional<Instance> load(String id) {
        Path file = paths(id).record();
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CorruptRecord(id, file, "cannot be read: " + e.getMessage());
        }
        java.util.Map<String, Object> map;
        try {
            map = Json.readMap(text);
        } catch (RuntimeException e) {
            throw new CorruptRecord(id, file, "is not valid JSON (" + text.length() + " bytes)");
        }
        for (String field : List.of("id", "kind", "state", "environment", "created_at", "expires_at")) {
            if (!(map.get(field) instanceof String)) {
                throw new CorruptRecord(id, file, "has no '" + field + "'");
            }
        }
        if (!id.equals(map.get("id"))) {
            throw new CorruptRecord(id, file, "names another id, '" + map.get("id") + "'");
        }
        return Optional.of(new Instance(map));
    }

    /** A record.json that is not a whole record. */
    public static final class CorruptRecord extends pyro.core.PyroException {
        private final String id;
        private final Path file;

        CorruptRecord(String id, Path file, String what) {
            super(pyro.protocol.ErrorCode.GUEST_FAILURE, "the record " + file + " " + what + ": '" + id
                    + "' cannot be used; 'pyro workspace delete " + id + "' (or 'pyro vm delete') stops its VM and "
                    + "removes it.");
            this.id = id;
            this.file = file;
        }

        public String id() {
            return id;
        }

        public Path file() {
            return file;
        }
    }

    /** Every readable record, oldest first; corrupt ones are skipped and reported to {@code corrupt}. */
    public List<Instance> list(java.util.function.Consumer<CorruptRecord> corrupt) {
        List<Instance> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(p)) {
                    continue;
                }
                try {
                    load(name).ifPresent(out::add);
                } catch (CorruptRecord e) {
                    corrupt.accept(e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(java.util.Comparator.comparing(i -> String.valueOf(i.str("created_at"))));
        return out;
    }

    /** Every readable record; corrupt ones go to this store's warnings (stderr for the CLI). */
    public List<Instance> list() {
        return list(e -> warnings.accept("skipping " + e.getMessage()));
    }

    private volatile java.util.function.Consumer<String> warnings = w -> {};

    /** Where {@link #list()} reports the records it skips. */
    public void warnings(java.util.function.Consumer<String> sink) {
        this.warnings = sink == null ? w -> {} : sink;
    }

    /**
     * Runs {@code body} holding the state folder's create lock, so check-and-reserve (the active-VM
     * limit, unique names) is atomic across pyro processes.
     */
    public <T> T underCreateLock(java.util.function.Supplier<T> body) {
        try {
            Files2.privateDir(stateDir);
            Files2.privateDir(root);
            return locked(stateDir.resolve("create.lock"), body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + stateDir.resolve("create.lock"), e);
        }
    }

    /**
     * Runs {@code body} holding the instance's machine lock ({@code machine.lock}): snapshot, reset,
     * stop, start and fork of one workspace happen one at a time, across pyro processes.
     */
    public <T> T underMachineLock(String id, java.util.function.Supplier<T> body) {
        try {
            return locked(dir(id).resolve("machine.lock"), body);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + dir(id).resolve("machine.lock"), e);
        }
    }

    /** Read-modify-write under an exclusive lock on {@code record.lock}. Returns the new record. */
    public Optional<Instance> update(String id, UnaryOperator<Instance> change) {
        Path dir = dir(id);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try {
            return locked(new InstancePaths(dir).recordLock(), () -> {
                Optional<Instance> current = load(id);
                if (current.isEmpty()) {
                    return Optional.empty();
                }
                Instance next = change.apply(current.get());
                try {
                    write(dir, next);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return Optional.of(next);
            });
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Threads of one process share its file locks, so they queue on a lock of their own first. */
    private static final java.util.concurrent.ConcurrentHashMap<Path, java.util.concurrent.locks.ReentrantLock> IN_PROCESS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs {@code body} holding {@code lockFile} against other threads and other pyro processes. */
    private static <T> T locked(Path lockFile, java.util.function.Supplier<T> body) throws IOException {
        var local = IN_PROCESS.computeIfAbsent(lockFile.toAbsolutePath(), p -> new java.util.concurrent.locks.ReentrantLock());
        local.lock();
        try (FileChannel ch = Files2.openPrivate(lockFile, StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            return body.get();
        } finally {
            local.unlock();
        }
    }

    private static void write(Path dir, Instance instance) throws IOException {
        Files2.writeAtomically(new InstancePaths(dir).record(), Json.write(instance.map()).getBytes(StandardCharsets.UTF_8));
    }

    public void appendJournal(String id, String jsonLine) {
        Path file = paths(id).journal();
        try (FileChannel ch = Files2.openPrivate(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                FileLock ignored = ch.lock()) {
            ch.write(java.nio.ByteBuffer.wrap((jsonLine + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<String> journal(String id) {
        Path file = paths(id).journal();
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(String id) {
        try {
            Files2.deleteTree(dir(id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete state folder " + dir(id), e);
        }
    }
}
