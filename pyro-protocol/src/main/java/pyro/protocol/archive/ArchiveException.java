package pyro.protocol.archive;

import java.io.IOException;

/** A tar stream is malformed, or one of its members is unsafe to extract. The message names the member. */
public class ArchiveException extends IOException {
    private final String entryName;

    public ArchiveException(String message) {
        this(null, message);
    }

    public ArchiveException(String entryName, String message) {
        super(message);
        this.entryName = entryName;
    }

    /** The offending member's name as stored in the archive, or {@code null} when not about one member. */
    public String entryName() {
        return entryName;
    }
}
