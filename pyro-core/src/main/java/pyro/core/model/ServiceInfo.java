package pyro.core.model;

import java.util.Map;

/** A workspace service: {@code service_name, command, cwd, state, pid, started_at, ready_at, ended_at, exit_code, stop_reason, readiness}. */
public final class ServiceInfo extends GuestRecord {
    public ServiceInfo(String workspaceId, Map<String, Object> fields) {
        super(workspaceId, fields);
    }

    public String serviceName() {
        return string("service_name");
    }

    /** starting, running, stopped, exited or failed. */
    public String state() {
        return string("state");
    }

    public String stopReason() {
        return string("stop_reason");
    }
}
