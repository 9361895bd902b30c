package pyro.cli.host;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads and writes pyro's entry in one host's configuration text, leaving everything else as it was. */
final class Connector {
    private Connector() {}

    /** What a connect did: the file, whether it changed, the backup of the old file (null: none made). */
    record Result(Host host, Path file, boolean changed, Path backup, ServerCommand server) {}

    /** {@code text} with pyro's entry set to start {@code server}; equal to {@code text} when it already does. */
    static String apply(Host host, String text, String file, ServerCommand server) {
        if (host.toml()) {
            return TomlEdit.set(text, file, host.jsonPath(text, file), host.entry(server, List.of()),
                    host.entryDefaults());
        }
        List<String> path = host.jsonPath(text, file);
        String out = text;
        for (var e : host.entry(server, path).entrySet()) {
            out = JsonEdit.set(out, file, with(path, e.getKey()), e.getValue());
        }
        for (var e : host.entryDefaults().entrySet()) {
            if (JsonEdit.get(out, file, with(path, e.getKey())) == null) {
                out = JsonEdit.set(out, file, with(path, e.getKey()), e.getValue());
            }
        }
        return out;
    }

    /** pyro's entry in {@code text} (a map of its members), or null when there is none. */
    static Object entry(Host host, String text, String file) {
        if (host.toml()) {
            List<String> table = host.jsonPath(text, file);
            if (!TomlEdit.hasTable(text, file, table)) {
                return null;
            }
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            for (Toml.Entry e : Toml.parse(text, file).entries()) {
                if (e.table().equals(table) && e.key().size() == 1) {
                    m.put(e.key().getFirst(), e.value());
                }
            }
            return m;
        }
        return JsonEdit.get(text, file, host.jsonPath(text, file));
    }

    /** Writes pyro's entry into the host's configuration file (a backup of the old file first). */
    static Result connect(Host host, HostEnv env, ServerCommand server) {
        ConfigFile cf = new ConfigFile(host.configFile(env));
        String old = cf.read();
        String text = apply(host, old, cf.path().toString(), server);
        boolean changed = !text.equals(old) || !cf.exists();
        Path backup = changed ? cf.write(old, text) : null;
        return new Result(host, cf.path(), changed, backup, server);
    }

    /** A whole configuration file holding only pyro's entry, as {@code pyro host print-config} shows it. */
    static String printed(Host host, ServerCommand server) {
        String start = host == Host.OPENCODE ? "{\n  \"$schema\": \"https://opencode.ai/config.json\"\n}\n" : "";
        return apply(host, start, host.wireName, server);
    }

    private static List<String> with(List<String> path, String key) {
        List<String> p = new ArrayList<>(path);
        p.add(key);
        return p;
    }
}
