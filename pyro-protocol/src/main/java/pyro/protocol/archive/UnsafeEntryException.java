package pyro.protocol.archive;

/** A member would write outside the destination, through a symlink, or is a kind pyro never extracts. */
public final class UnsafeEntryException extends ArchiveException {
    public UnsafeEntryException(String entryName, String message) {
        super(entryName, message);
    }
}
