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

    public Optional<Instance> load(String id) {
        Path file = paths(id).record();
        try {
            return Optional.of(new Instance(Json.readMap(Files.readString(file))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Instance> list() {
        List<Instance> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.sorted().toList()) {
                load(p.getFileName().toString()).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(java.util.Comparator.comparing(i -> String.valueOf(i.str("created_at"))));
        return out;
    }

    /** Read-modify-write under an exclusive lock on {@code record.lock}. Returns the new record. */
    public Optional<Instance> update(String id, UnaryOperator<Instance> change) {
        Path dir = dir(id);
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(
                        new InstancePaths(dir).recordLock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = ch.lock()) {
            Optional<Instance> current = load(id);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            Instance next = change.apply(current.get());
            write(dir, next);
            return Optional.of(next);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path dir, Instance instance) throws IOException {
        Files2.writeAtomically(new InstancePaths(dir).record(), Json.write(instance.map()).getBytes(StandardCharsets.UTF_8));
    }

    public void appendJournal(String id, String jsonLine) {
        Path file = paths(id).journal();
        try (FileChannel ch = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
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
