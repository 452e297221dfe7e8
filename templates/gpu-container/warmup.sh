#!/bin/sh
# Command-type Initializer of the GPU function: FC runs `/bin/sh /code/warmup.sh` inside the
# instance after it starts, before any request; exit 0 = success. POSIX sh only (FC runs it
# with /bin/sh, which is dash on Debian images): no [[ ]], arrays, `function`, or pipefail.
#
# It sends one warm-up request to the model server (loads weights, compiles kernels) and fails
# with a clear message when the server cannot be reached or answers with a non-2xx status.
# Uses curl when installed, else wget.
#
# Settings (environment): WARMUP_URL (default http://127.0.0.1:$FC_SERVER_PORT/invoke, port
# 9000), WARMUP_BODY, WARMUP_ATTEMPTS (connection attempts, default 10, one per second),
# WARMUP_TIMEOUT (seconds per request, default 50).
set -u

port="${FC_SERVER_PORT:-9000}"
url="${WARMUP_URL:-http://127.0.0.1:${port}/invoke}"
payload="${WARMUP_BODY:-{\"warmup\": true\}}"
attempts="${WARMUP_ATTEMPTS:-10}"
max_time="${WARMUP_TIMEOUT:-50}"
tmp="${TMPDIR:-/tmp}/warmup.$$"
body_file="$tmp.body"
err_file="$tmp.err"
trap 'rm -f "$body_file" "$err_file"' EXIT

say() { printf 'warmup: %s\n' "$*" >&2; }

# One request. Prints the HTTP status on stdout; empty when no answer came (connection error).
request() {
    if command -v curl >/dev/null 2>&1; then
        code=$(curl -sS -o "$body_file" -w '%{http_code}' --max-time "$max_time" \
            -X POST -H 'Content-Type: application/octet-stream' \
            -H 'x-fc-request-id: warmup' --data-binary "$payload" "$url" 2>"$err_file")
        [ "$code" = "000" ] && code=""
        printf '%s' "$code"
    elif command -v wget >/dev/null 2>&1; then
        wget -S -q -O "$body_file" -T "$max_time" --header='Content-Type: application/octet-stream' \
            --header='x-fc-request-id: warmup' --post-data="$payload" "$url" 2>"$err_file"
        sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$err_file" | tail -n 1
    else
        say "neither curl nor wget is installed in the image; install one (apt-get install -y curl)"
        exit 127
    fi
}

i=1
while :; do
    status=$(request)
    rc=$?
    [ "$rc" -eq 127 ] && exit 127
    if [ -n "$status" ]; then
        break
    fi
    if [ "$i" -ge "$attempts" ]; then
        reason=$(tail -n 1 "$err_file" 2>/dev/null)
        say "cannot connect to $url after $attempts attempt(s): ${reason:-no answer (connection refused or timed out)}"
        say "is the server listening on 0.0.0.0:$port (FC_SERVER_PORT)?"
        exit 1
    fi
    i=$((i + 1))
    sleep 1
done

case "$status" in
    2??)
        say "warm-up request answered $status"
        exit 0
        ;;
    *)
        start=$(head -c 300 "$body_file" 2>/dev/null)
        say "warm-up request to $url failed: HTTP $status; body starts: ${start:-<empty>}"
        exit 1
        ;;
esac
