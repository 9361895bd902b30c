package pyro.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}, shared by every command that prints a record (a picocli mixin): the record as one
 * JSON object on stdout, in the shape docs/contract.md pins, instead of text for people. Errors are
 * then a JSON object on stderr too.
 */
final class JsonOption {
    @Option(names = "--json", description = "Print the result as one JSON record (its fields are in docs/contract.md)"
            + " instead of text; errors become a JSON object on stderr.")
    boolean on;
}
