# Shared by examples/callgrind-short.sh and examples/callgrind-unary.sh (sourced, not run).
#
# The caller sets `out` (where profiles go), `server_bin` and `unit` (what is counted, for the
# table's heading), and defines `drive PORT SECS`, which loads the server for SECS seconds and
# prints how many units it completed (or fails). `run_servers SHORT LONG SERVER...` then runs
# each server under callgrind twice and prints the instructions per unit: the difference in
# instructions of the two runs divided by the difference in units, so that start-up and
# shutdown cancel out.

# One server under callgrind, driven for $2 seconds: prints "instructions units".
measure() {
    local server=$1 secs=$2
    local profile=$out/$server-$secs.callgrind stdout=$out/$server-$secs.stdout
    rm -f "$profile" "$stdout"
    valgrind --tool=callgrind --callgrind-out-file="$profile" \
        "$server_bin" --server "$server" --runtime "${RUNTIME:-current}" >"$stdout" 2>"$out/$server-$secs.log" &
    local pid=$!
    local port=""
    for _ in $(seq 1 600); do
        port=$(sed -n 's/^PORT //p' "$stdout" 2>/dev/null || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        kill "$pid" 2>/dev/null || true
        echo "bench-server ($server) did not start; see $out/$server-$secs.log" >&2
        exit 1
    fi
    local units status=0
    units=$(drive "$port" "$secs") || status=$?
    kill -TERM "$pid"
    wait "$pid" || true
    [ "$status" = 0 ] || exit "$status"
    local instructions
    instructions=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$profile")
    echo "$instructions $units"
}

run_servers() {
    local short=$1 long=$2
    shift 2
    printf '%-10s %14s %8s %14s %8s %18s\n' server "Ir ${short}s" "${unit}s" "Ir ${long}s" "${unit}s" "Ir per $unit"
    local server first second ir1 n1 ir2 n2
    for server in "$@"; do
        first=$(measure "$server" "$short")
        second=$(measure "$server" "$long")
        read -r ir1 n1 <<<"$first"
        read -r ir2 n2 <<<"$second"
        printf '%-10s %14s %8s %14s %8s %18s\n' "$server" "$ir1" "$n1" "$ir2" "$n2" "$(((ir2 - ir1) / (n2 - n1)))"
    done
}
