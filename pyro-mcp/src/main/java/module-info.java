/**
 * pyro's MCP stdio server ({@code pyro mcp serve}): every MCP tool is a thin adapter over the
 * {@link pyro.core.Pyro} SDK, returning the same JSON records as the CLI's {@code --json}.
 *
 * <p>{@code io.modelcontextprotocol.sdk.mcp} is the SDK's only explicit module; it requires
 * {@code mcp-core} and {@code mcp-json-jackson3} (automatic modules) transitively. The slf4j
 * provider is required explicitly so it is resolved also when the CLI loads this module into a
 * child layer with {@code Configuration.resolve} (no service binding): without a provider the SDK
 * swallows handler errors and the client never gets a reply. Jackson 3 (the SDK's JSON library) is
 * read directly to check each stdin line before the SDK's transport sees it.
 */
module pyro.mcp {
    requires pyro.core;
    requires io.modelcontextprotocol.sdk.mcp;
    requires io.modelcontextprotocol.sdk.mcp.core;
    requires io.modelcontextprotocol.sdk.mcp.json.jackson3;
    requires tools.jackson.databind;
    requires org.slf4j;
    requires org.slf4j.simple;

    exports pyro.mcp;
}
