package pyro.core.model;

import java.util.Map;

/**
 * {@code workspace file read}: part of one file. {@code size} and {@code sha256} are the whole
 * file's (pass the sha256 back as a write's {@code expected_sha256}); {@code offset}, {@code bytes}
 * and {@code eof} say which part this is; line reads add {@code line_start, line_count, total_lines}.
 * {@code content} is UTF-8 text, or base64 when {@code encoding} is base64.
 */
public record FileContent(String workspaceId, String path, long size, String sha256, long offset, long bytes,
        boolean eof, boolean binary, String encoding, String content, Long lineStart, Long lineCount, Long totalLines)
        implements JsonRecord {
    @Override
    public Map<String, Object> toMap() {
        Fields f = Fields.of().put("workspace_id", workspaceId).put("path", path).put("size", size)
                .put("sha256", sha256).put("offset", offset).put("bytes", bytes).put("eof", eof).put("binary", binary)
                .put("encoding", encoding).put("content", content);
        if (lineStart != null) {
            f.put("line_start", lineStart).put("line_count", lineCount).put("total_lines", totalLines);
        }
        return f.map();
    }
}
