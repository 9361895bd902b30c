/**
 * java-diff-utils (Apache License 2.0), as a named module. Its packages are exported as they are;
 * only the unified-diff reader and writer use java.util.logging, which pyro does not call, so
 * java.logging is optional and the guest's java.base-only runtime resolves this module as well.
 */
module io.github.javadiffutils {
    requires static java.logging;

    exports com.github.difflib;
    exports com.github.difflib.algorithm;
    exports com.github.difflib.algorithm.myers;
    exports com.github.difflib.patch;
    exports com.github.difflib.text;
    exports com.github.difflib.text.deltamerge;
    exports com.github.difflib.unifieddiff;
}
