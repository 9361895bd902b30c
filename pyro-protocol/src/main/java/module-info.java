/**
 * The contract between the host and the guest agent, and the only pyro module the guest carries:
 * framed messages ({@link pyro.protocol.Request} paired with {@link pyro.protocol.Reply}), stream
 * frames and their flow control, the tar rules both sides apply ({@code pyro.protocol.archive}), and
 * the error codes every face reports ({@link pyro.protocol.ErrorCode}).
 */
module pyro.protocol {
    requires transitive com.fasterxml.jackson.jr.ob;

    exports pyro.protocol;
    exports pyro.protocol.archive;
}
