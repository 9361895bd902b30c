/** Tar archives: streaming writer, reader, and the safety rules for importing into /workspace. */
package pyro.protocol.archive;
