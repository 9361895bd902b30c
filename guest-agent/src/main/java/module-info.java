/** The program inside the guest: speaks the framed protocol on the agent channel. java.base only plus pyro.protocol (the only pyro module the guest carries). */
module pyro.agent {
    requires pyro.protocol;
}
