package pyro.agent.service;

import java.util.function.Function;
import pyro.protocol.ServicePolicy;

/**
 * The life of one started service, on its own virtual thread: it waits for the services named in
 * {@code after}, spawns a run, waits for its readiness, and when a run ends by itself and the restart policy
 * wants another, waits out the backoff ({@link ServicePolicy}), writes a restart marker into stdout and
 * runs it again, until the final state is settled. A stop ends it for good, a pending restart included.
 */
final class ServiceLoop implements Runnable {
    private final String name;
    private final ServiceSpec spec;
    private final ServiceLife life;
    private final ServiceRun run;
    private final Readiness readiness;
    private final Function<String, Service> lookup; // the workspace's services by name
    private final Runnable persist;

    ServiceLoop(String name, ServiceSpec spec, ServiceLife life, ServiceRun run, Function<String, Service> lookup,
            Runnable persist) {
        this.name = name;
        this.spec = spec;
        this.life = life;
        this.run = run;
        this.readiness = new Readiness(spec, life, run, persist);
        this.lookup = lookup;
        this.persist = persist;
    }

    /** The service's life: dependencies, then runs and restarts until its final state is settled. */
    @Override
    public void run() {
        try {
            if (!awaitDependencies()) {
                return;
            }
            while (true) {
                if (!run.spawn()) {
                    return;
                }
                readiness.await();
                long delay = life.awaitRestart();
                if (delay < 0) {
                    return;
                }
                String marker = life.backoff(delay);
                if (marker == null) {
                    return; // the stop settles the record
                }
                if (spec.probe() != null) {
                    spec.probe().reset(); // readiness is decided afresh for every run
                }
                life.stdout().marker(marker);
                persist.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            Services.log("service '" + name + "' failed in the agent: " + e);
            life.agentFailed(e);
            persist.run();
        }
    }

    /**
     * Waits, within the readiness timeout, until every service in {@code after} is in its condition.
     * Returns false when the service ended meanwhile (stopped, or failed naming the dependency).
     */
    private boolean awaitDependencies() throws InterruptedException {
        if (spec.after().isEmpty()) {
            return true;
        }
        long deadline = System.nanoTime() + spec.timeoutMs() * 1_000_000L;
        while (true) {
            ServicePolicy.Dependency waitingFor = null;
            String depState = null;
            boolean never = false;
            for (ServicePolicy.Dependency d : spec.after()) {
                Service s = lookup.apply(d.name());
                String verdict = s == null ? "never" : s.meets(d.condition());
                if (!"yes".equals(verdict)) {
                    waitingFor = d;
                    depState = s == null ? "gone" : s.describeState();
                    never = "never".equals(verdict);
                    break;
                }
            }
            if (waitingFor == null) {
                return true;
            }
            boolean timedOut = System.nanoTime() >= deadline;
            if (never || timedOut) {
                String cond = waitingFor.condition().equals(ServicePolicy.EXITED_OK) ? "exit with status 0"
                        : "be " + waitingFor.condition();
                String note = never
                        ? "it waited for '" + waitingFor.name() + "' to " + cond + ", which it no longer can: '"
                                + waitingFor.name() + "' is " + depState
                        : "it waited " + readinessSeconds() + " s for '" + waitingFor.name() + "' to " + cond
                                + ", and '" + waitingFor.name() + "' is " + depState;
                if (life.dependencyFailed(never ? "dependency_failed" : "dependency_timeout", note)) {
                    persist.run();
                }
                return false;
            }
            if (!life.pause(25)) {
                return false;
            }
        }
    }

    private String readinessSeconds() {
        long ms = spec.timeoutMs();
        return ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0);
    }
}
