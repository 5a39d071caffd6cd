# shellcheck shell=bash
#
# tests/lib/flood.sh: racknet run under floods and malformed traffic, for
# tests/netns/test_floods.sh and tests/netns/test_malformed.sh. Source it
# after netns.sh and dhcp.sh (rn, dh_udhcpc); call fo_init after nt_init
# and dh_init. The tests build their own namespaces; this file starts
# racknet run in one of them, reads what the daemons say about themselves
# (racknet status, the stats commands, /proc) and writes the small load
# generators the floods use.
#
#   fo_init                   tools, RACKNET*, folders; the daemons' user
#                             must reach the database: NT_LOGDIR o+x
#   fo_tftpd_wrapper ARG...   a program that runs racknet-tftpd with ARGs
#                             before run's own (run passes no
#                             --max-sessions): give it to run as --tftpd
#   fo_run_start NS ARG...    racknet run --no-chrony --user racknet in NS
#                             with the state folder, root and --log-level
#                             info; FO_RUNPID, FO_RUNLOG; stopped at
#                             cleanup; 0 once all three daemons run
#   dh_run_status                 `racknet status --json`
#   dh_run_daemon NAME FIELD           FIELD of daemon NAME in it (pid, state, ...)
#   dh_run_all_running            dhcpd, dnsd and tftpd all run
#   fo_same_daemons PIDS      each of "dhcpd=P dnsd=P tftpd=P" still runs
#                             with that pid and restarts=0 (say which not)
#   fo_pids                   the current "dhcpd=P dnsd=P tftpd=P"
#   fo_stats D                counters of `racknet D stats --json` (D is
#                             dhcp, dns or tftp) as one JSON object
#   fo_settled D FILE         wait (at most 8 s) until D's counters stop
#                             changing (they are published once a second),
#                             then write them to FILE
#   fo_delta A B KEY...       sum over KEYs of B.KEY - A.KEY (JSON files)
#   fo_get FILE KEY           KEY of a counters file (0 if absent)
#   fo_udp_drops NS           UDP datagrams the kernel dropped in NS for a
#                             full receive buffer (RcvbufErrors): a count
#                             that cannot add up without them
#   fo_rss_kib PID            VmRSS of PID in KiB (fo_hwm_kib: VmHWM,
#                             the most it ever had)
#   fo_mark                   lines in run's log now
#   fo_lines MARK RE          lines of run's log after MARK matching RE
#                             (grep -E)
#   fo_show MARK RE           the last 5 of them, indented
#   fo_same WHAT GOT WANT     GOT = WANT, else say both
#   fo_le WHAT A B            A <= B, else say both
#
# Generators, written to $FO_BIN by fo_init; the python ones print one JSON
# object (run them with $FO_PY, Debian's python3, where python3-scapy is):
#   dns-flood.py  --src A --server S --name N --want IP --qps Q --secs T
#                 UDP queries at Q/s for T s from A, counting full answers
#                 (with WANT), truncated ones (TC) and anything else, per
#                 second of the flood
#   tcp-flood.py  --src A --server S --name N --conns C
#                 C TCP connections held open at once, then one query on
#                 each: how many were answered, closed, or silent
#   tftp-flood.py --server S --file F --n N --waves W
#                 W waves of N read requests from N ports each, never
#                 acknowledged (so the transfers that start stay), then an
#                 ERROR to each transfer: sessions, busy refusals, other
#                 errors, silent
#   dns-loop.sh   SERVER NAME WANT SRC SECS OUT
#                 dig from SRC every 0.2 s for SECS s (at most 500): one
#                 line "START END ok|err|bad ANSWER" per query to OUT
#
# Every load is bounded in count and time, and stays inside the test's
# namespaces.

[ -n "${FO__SOURCED:-}" ] && return 0
FO__SOURCED=1

FO_PY=/usr/bin/python3	# Debian's: python3-scapy is installed for it
FO_BIN=""
FO_ROOT=""
FO_STATE=""
FO_RUNPID=""
FO_RUNLOG=""
FO_USER=racknet

fo_init() {
	dh_need jq "$FO_PY"
	dh_need_daemons
	chmod o+x "$NT_LOGDIR" || exit 1
	FO_BIN=$NT_LOGDIR/fo-bin
	FO_ROOT=$NT_LOGDIR/tftp
	FO_STATE=$NT_LOGDIR/state
	mkdir -p "$FO_BIN" && mkdir -m 0755 "$FO_ROOT" || exit 1
	fo__scripts || exit 1
}

fo_tftpd_wrapper() {
	local f=$FO_BIN/racknet-tftpd
	{
		echo '#!/bin/sh'
		echo '# racknet-tftpd with options racknet run does not pass.'
		printf 'exec %q' "$RACKNET_TFTPD"
		printf ' %q' "$@"
		echo ' "$@"'
	} >"$f" && chmod 755 "$f" || return 1
	echo "$f"
}

fo_run_start() {
	local ns=$1
	shift
	FO_RUNLOG=$NT_LOGDIR/run.log
	nt_bg "$ns" "$FO_RUNLOG" "$RACKNET" --db "$DH_DB" run --no-chrony \
		--state-dir "$FO_STATE" --root "$FO_ROOT" --user "$FO_USER" \
		--log-level info "$@" >/dev/null || return 1
	FO_RUNPID=$NT_BG_PID
	nt_defer fo_run_stop
	nt_wait_for 20 dh_run_all_running
}

fo_run_stop() {
	[ -n "$FO_RUNPID" ] && nt_alive "$FO_RUNPID" || return 0
	kill -TERM "$FO_RUNPID" 2>/dev/null || :
	nt_wait_for 15 eval "! nt_alive $FO_RUNPID" || :
}


fo_pids() {
	dh_run_status | jq -r '[.daemons[] | select(.name == "dhcpd" or
		.name == "dnsd" or .name == "tftpd") | "\(.name)=\(.pid)"] | join(" ")'
}

fo_same_daemons() {
	local want=$1 now rc=0 kv n p
	now=$(dh_run_status)
	for kv in $want; do
		n=${kv%%=*} p=${kv#*=}
		if ! jq -e --arg n "$n" --argjson p "$p" '.daemons[] |
			select(.name == $n) | .pid == $p and .state == "running" and
			.restarts == 0' <<<"$now" >/dev/null; then
			echo "   $n: was pid $p; now $(jq -c --arg n "$n" \
				'.daemons[] | select(.name == $n) | {pid, state,
				restarts, last_exit}' <<<"$now")"
			rc=1
		elif ! nt_alive "$p"; then
			echo "   $n: pid $p is gone"
			rc=1
		fi
	done
	return "$rc"
}

fo_stats() {
	rn "$1" stats --json 2>/dev/null | jq -c '.counters // {}' || echo '{}'
}

fo_settled() {
	local d=$1 out=$2 a b
	a=$(fo_stats "$d")
	for _ in 1 2 3 4 5 6 7; do
		sleep 1.1
		b=$(fo_stats "$d")
		[ "$a" = "$b" ] && break
		a=$b
	done
	printf '%s\n' "$b" >"$out"
	[ "$a" = "$b" ] || echo "   ($d counters still changing after 8 s)"
}

fo_get() {
	jq -r --arg k "$2" '.[$k] // 0' "$1"
}

fo_delta() {
	local a=$1 b=$2 sum=0 k
	shift 2
	for k in "$@"; do
		sum=$((sum + $(fo_get "$b" "$k") - $(fo_get "$a" "$k")))
	done
	echo "$sum"
}

fo_udp_drops() {
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$1" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6 }' \
		/proc/net/snmp
}

fo_rss_kib() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

fo_hwm_kib() {
	awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null
}

fo_mark() {
	wc -l <"$FO_RUNLOG"
}

fo_lines() {
	tail -n "+$(($1 + 1))" "$FO_RUNLOG" | { grep -cE -- "$2" || :; }
}

fo_show() {
	tail -n "+$(($1 + 1))" "$FO_RUNLOG" | { grep -E -- "$2" || :; } |
		tail -n 5 | sed 's/^/      | /'
}

fo_same() {
	if [ "$2" != "$3" ]; then
		echo "   $1: got '$2', want '$3'"
		return 1
	fi
}

fo_le() {
	if ! [ "$2" -le "$3" ]; then
		echo "   $1: $2 is above $3"
		return 1
	fi
}

# ---- the generators ----

fo__scripts() {
	cat >"$FO_BIN/dns-flood.py" <<'EOF'
# A UDP query flood from one source; see tests/lib/flood.sh.
import argparse, json, select, socket, struct, time

p = argparse.ArgumentParser()
p.add_argument('--src', required=True)
p.add_argument('--server', required=True)
p.add_argument('--name', required=True)
p.add_argument('--want', required=True)
p.add_argument('--qps', type=int, required=True)
p.add_argument('--secs', type=float, required=True)
a = p.parse_args()

qname = b''.join(bytes([len(l)]) + l.encode() for l in a.name.split('.')) + b'\0'
want = socket.inet_aton(a.want)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind((a.src, 0))
s.connect((a.server, 53))
s.setblocking(False)
total = min(int(a.qps * a.secs), 200000)
sent = full = tc = other = wrong = 0
per_sec = {}
t0 = time.monotonic()

def drain():
    global full, tc, other, wrong
    for _ in range(100000):     # what was sent, at most
        try:
            r = s.recv(4096)
        except (BlockingIOError, ConnectionRefusedError):
            return
        if len(r) < 12:
            other += 1
            continue
        flags, an = struct.unpack('>H', r[2:4])[0], struct.unpack('>H', r[6:8])[0]
        if flags & 0x0200:
            tc += 1
        elif an > 0 and (flags & 0xf) == 0:
            if r.endswith(want):
                full += 1
                k = int(time.monotonic() - t0)
                per_sec[k] = per_sec.get(k, 0) + 1
            else:
                wrong += 1
        else:
            other += 1

while sent < total:
    due = min(total, int((time.monotonic() - t0) * a.qps) + 1)
    while sent < due:
        q = struct.pack('>HHHHHH', sent & 0xffff, 0x0100, 1, 0, 0, 0) + qname + b'\0\1\0\1'
        try:
            s.send(q)
        except BlockingIOError:
            break
        sent += 1
    drain()
    select.select([s], [], [], 0.005)
end = time.monotonic()
while time.monotonic() - end < 1.0:
    select.select([s], [], [], 0.1)
    drain()
print(json.dumps({'sent': sent, 'full': full, 'tc': tc, 'other': other,
                  'wrong': wrong, 'secs': round(end - t0, 3),
                  'per_second': [per_sec.get(i, 0) for i in range(int(end - t0) + 1)]}))
EOF
	cat >"$FO_BIN/tcp-flood.py" <<'EOF'
# Hold many TCP connections to a DNS server, then ask one query on each;
# see tests/lib/flood.sh.
import argparse, json, select, socket, struct, time

p = argparse.ArgumentParser()
p.add_argument('--src', required=True)
p.add_argument('--server', required=True)
p.add_argument('--name', required=True)
p.add_argument('--conns', type=int, required=True)
a = p.parse_args()

qname = b''.join(bytes([len(l)]) + l.encode() for l in a.name.split('.')) + b'\0'
conns, failed = [], 0
for i in range(min(a.conns, 1000)):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.settimeout(2)
    c.bind((a.src, 0))
    try:
        c.connect((a.server, 53))
        conns.append(c)
    except OSError:
        failed += 1
        c.close()
time.sleep(0.5)     # the server has seen them all
state = {}
for i, c in enumerate(conns):
    q = struct.pack('>HHHHHH', i, 0x0100, 1, 0, 0, 0) + qname + b'\0\1\0\1'
    try:
        c.sendall(struct.pack('>H', len(q)) + q)
        state[c] = b''
    except OSError:
        state[c] = None     # reset: refused
answered = closed = 0
end = time.monotonic() + 3
while time.monotonic() < end:
    live = [c for c, v in state.items() if v is not None and
            not (len(v) >= 2 and len(v) >= 2 + struct.unpack('>H', v[:2])[0])]
    if not live:
        break
    rd, _, _ = select.select(live, [], [], 0.2)
    for c in rd:
        try:
            d = c.recv(65536)
        except OSError:
            d = b''
        if d:
            state[c] += d
        else:
            state[c] = None
for c, v in state.items():
    if v is None:
        closed += 1
    elif len(v) >= 2 + 12 and len(v) >= 2 + struct.unpack('>H', v[:2])[0]:
        answered += 1
silent = len(state) - answered - closed
for c in conns:
    c.close()
print(json.dumps({'conns': len(conns), 'connect_failed': failed,
                  'answered': answered, 'closed': closed, 'silent': silent}))
EOF
	cat >"$FO_BIN/tftp-flood.py" <<'EOF'
# Waves of TFTP read requests that are never acknowledged; see
# tests/lib/flood.sh.
import argparse, json, select, socket, struct, time

p = argparse.ArgumentParser()
p.add_argument('--server', required=True)
p.add_argument('--file', required=True)
p.add_argument('--n', type=int, required=True)
p.add_argument('--waves', type=int, default=1)
a = p.parse_args()

rrq = struct.pack('>H', 1) + a.file.encode() + b'\0octet\0'
sessions = {}       # socket -> the transfer's address
res = {'sent': 0, 'sessions': 0, 'busy': 0, 'other': 0, 'silent': 0,
       'waves': []}
for w in range(min(a.waves, 10)):
    socks = []
    for i in range(min(a.n, 500)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('', 0))
        s.sendto(rrq, (a.server, 69))
        socks.append(s)
        res['sent'] += 1
    got = {}
    end = time.monotonic() + 1.5
    while time.monotonic() < end and len(got) < len(socks):
        rd, _, _ = select.select([s for s in socks if s not in got], [], [], 0.1)
        for s in rd:
            d, frm = s.recvfrom(70000)
            got[s] = (d, frm)
    wave = {'sessions': 0, 'busy': 0, 'other': 0, 'silent': 0}
    for s in socks:
        if s not in got:
            wave['silent'] += 1
            s.close()
            continue
        d, frm = got[s]
        op = struct.unpack('>H', d[:2])[0] if len(d) >= 2 else 0
        if op == 3:
            wave['sessions'] += 1
            sessions[s] = frm
        elif op == 5 and d[2:4] == b'\0\0' and b'server busy' in d[4:]:
            wave['busy'] += 1
            s.close()
        else:
            wave['other'] += 1
            res.setdefault('other_replies', []).append(d[:40].hex())
            s.close()
    for k in ('sessions', 'busy', 'other', 'silent'):
        res[k] += wave[k]
    res['waves'].append(wave)
    time.sleep(0.5)
for s, frm in sessions.items():
    s.sendto(struct.pack('>HH', 5, 0) + b'flood over\0', frm)
    s.close()
print(json.dumps(res))
EOF
	cat >"$FO_BIN/dns-loop.sh" <<'EOF'
# A legitimate client beside a flood; see tests/lib/flood.sh.
server=$1 name=$2 want=$3 src=$4 secs=$5 out=$6
end=$((EPOCHSECONDS + secs))
for ((i = 0; i < 500 && EPOCHSECONDS < end; i++)); do
	t0=$EPOCHREALTIME
	rc=0
	a=$(timeout 5 dig +short +time=1 +tries=2 -b "$src" "@$server" "$name" A 2>&1) || rc=$?
	if [ "$rc" -eq 0 ] && [ "$a" = "$want" ]; then
		r=ok
	elif [ "$rc" -eq 0 ] && [ -n "$a" ] && ! grep -q '^;;' <<<"$a"; then
		r=bad
	else
		r=err
	fi
	a=${a//[[:space:]]/_}
	echo "$t0 $EPOCHREALTIME $r rc=$rc ${a:0:60}" >>"$out"
	sleep 0.2
done
EOF
}
