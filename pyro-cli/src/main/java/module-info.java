/** The {@code pyro} command line: picocli commands over the {@link pyro.core.Pyro} SDK. */
module pyro.cli {
    requires pyro.core;
    requires info.picocli;

    opens pyro.cli to info.picocli;
    opens pyro.cli.host to info.picocli;
}
