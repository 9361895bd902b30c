/**
 * {@code pyro serve}: pyro's HTTP/1.1 face. Every route is one operation of the table the MCP server
 * serves ({@link pyro.mcp.Tools}), called through the same {@link pyro.core.Pyro} SDK, so an HTTP body
 * is exactly the record {@code --json} prints and the MCP tool yields. Built on the JDK's own
 * {@code com.sun.net.httpserver} with a virtual thread per exchange: no dependency, chunked streaming,
 * TLS through {@code HttpsServer}.
 */
module pyro.serve {
    requires pyro.core;
    requires pyro.mcp;
    requires jdk.httpserver;
    requires com.fasterxml.jackson.jr.ob;

    exports pyro.serve;
}
