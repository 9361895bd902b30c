#!/usr/bin/env bash
# The Debian mirror an environment build bootstraps from: PYRO_DEBIAN_MIRROR if set, else the
# host's own Debian source from its apt configuration. There is no built-in default: a host
# without a Debian source gets one clear sentence asking for PYRO_DEBIAN_MIRROR.
#
#   . debian-mirror.sh; MIRROR=$(debian_mirror bookworm)     (as build-env.sh does)
#   bash debian-mirror.sh bookworm                           (prints the mirror)
#
# Read from PYRO_APT_DIR (default /etc/apt): sources.list and sources.list.d/*.list (one-line
# "deb [options] URI SUITE COMPONENT..."), and sources.list.d/*.sources (deb822 stanzas with
# Types, URIs, Suites, Components, Enabled). A source counts when it is of type deb, has the main
# component, an http, https, ftp or file URI and a Debian suite (a codename or stable, testing,
# unstable..., optionally -updates, -backports or -proposed-updates; never -security, which is
# another archive). Of those, one whose URI ends in /debian and whose suite is the one being built
# is preferred; among equals the first one read wins.

debian_mirror() {
    local suite=${1:?debian_mirror needs the suite}
    if [ -n "${PYRO_DEBIAN_MIRROR:-}" ]; then
        echo "$PYRO_DEBIAN_MIRROR"
        return 0
    fi
    local apt=${PYRO_APT_DIR:-/etc/apt} f u=
    local files=()
    [ -f "$apt/sources.list" ] && files+=("$apt/sources.list")
    for f in "$apt"/sources.list.d/*.list "$apt"/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    if [ ${#files[@]} -gt 0 ]; then
        u=$(awk -v want="$suite" '
            function consider(uri, s, components,    score, path) {
                if (uri !~ /^(https?|ftp|file):\/\//) return
                if (s !~ /^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports|-proposed-updates)?$/) return
                if ((" " components " ") !~ / main /) return
                path = uri
                sub(/\/+$/, "", path)
                score = (path ~ /\/debian$/ ? 2 : 0) + (s == want ? 1 : 0)
                if (best == "" || score > bestScore) { best = path; bestScore = score }
            }
            function flush(    n, i, j, us, ss) {
                if ((" " f["types"] " ") ~ /[ \t]deb[ \t]/ && tolower(f["enabled"]) !~ /^[ \t]*no[ \t]*$/) {
                    n = split(f["uris"], us, /[ \t]+/)
                    for (i = 1; i <= n; i++) {
                        split(f["suites"], ss, /[ \t]+/)
                        for (j in ss) if (us[i] != "" && ss[j] != "") consider(us[i], ss[j], f["components"])
                    }
                }
                delete f
                key = ""
            }
            FNR == 1 { flush() }
            FILENAME ~ /\.sources$/ {
                if ($0 ~ /^#/) next
                if ($0 ~ /^[ \t]*$/) { flush(); next }
                if ($0 ~ /^[ \t]/) { if (key != "") f[key] = f[key] " " $0; next }
                key = tolower(substr($0, 1, index($0, ":") - 1))
                f[key] = substr($0, index($0, ":") + 1)
                next
            }
            {
                line = $0
                sub(/^[ \t]+/, "", line)
                if (line !~ /^deb[ \t]/) next
                gsub(/\[[^]]*\]/, " ", line)
                n = split(line, w, /[ \t]+/)
                components = ""
                for (i = 4; i <= n; i++) components = components " " w[i]
                consider(w[2], w[3], components)
            }
            END { flush(); print best }
        ' "${files[@]}")
    fi
    if [ -z "$u" ]; then
        echo "build-env.sh: error: no Debian mirror found in $apt/sources.list or $apt/sources.list.d: set PYRO_DEBIAN_MIRROR to the URL of a Debian mirror." >&2
        return 1
    fi
    echo "$u"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    debian_mirror "${1:-bookworm}"
fi
