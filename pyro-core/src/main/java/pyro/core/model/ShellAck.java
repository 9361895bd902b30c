package pyro.core.model;

import java.util.Map;

/** The reply to {@code shell write} ({@code bytes}) and {@code shell signal} ({@code signal, pgrp}). */
public final class ShellAck extends GuestRecord {
    public ShellAck(String workspaceId, Map<String, Object> fields) {
        super(workspaceId, fields);
    }
}
