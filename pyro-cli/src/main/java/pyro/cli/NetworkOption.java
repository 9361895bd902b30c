package pyro.cli;

import java.util.Stack;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import pyro.core.NetworkPolicy;
import pyro.core.PyroException;

/**
 * {@code --network [off|egress|egress+published-ports]}: alone it means {@code egress}. The value is
 * optional, so the next argument is taken only when it looks like a policy word (an environment such
 * as {@code debian:12}, an option or a path is left alone); a misspelt word is then refused by name.
 */
final class NetworkOption implements IParameterConsumer {
    static final String LABEL = "off|egress|egress+published-ports";
    static final String SHORTHAND = "egress";

    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
        String value = SHORTHAND;
        if (!args.isEmpty() && args.peek().matches("[A-Za-z][A-Za-z_+-]*")) {
            value = args.pop();
        }
        argSpec.setValue(value);
    }

    /** The policy of a parsed option value (null: the option was not given). */
    static NetworkPolicy policy(String value) {
        return value == null ? NetworkPolicy.OFF : NetworkPolicy.parse(value);
    }

    /** For a VM without services: off or egress. */
    static boolean egressOnly(String value) {
        NetworkPolicy p = policy(value);
        if (p.publishesPorts()) {
            throw PyroException.invalid("network policy '" + p.wire() + "' is for workspaces, whose services publish"
                    + " ports: use --network egress here.");
        }
        return p.egress();
    }
}
