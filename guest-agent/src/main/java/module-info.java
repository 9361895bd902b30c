/** The program inside the guest: speaks the framed protocol on the agent channel. java.base only plus pyro.core. */
module pyro.agent {
    requires pyro.core;
}
