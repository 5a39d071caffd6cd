# shellcheck shell=bash
#
# tests/lib/netns.sh: network namespaces for racknet's integration tests.
# A test script sources this file, calls nt_init, builds a small lab of
# namespaces, bridges, veth pairs and emulated 802.1Q subinterfaces, runs
# real clients and servers in it, and exits: an EXIT trap tears the lab down
# whatever happened, and fails the test if anything rewrote the host's
# /etc/resolv.conf.
#
# Usage:
#   source "$(dirname "$0")/../lib/netns.sh"
#   nt_init                                 # exit 77 (ctest SKIP) if not root
#   A=$(nt_netns_add a)                     # -> r3039-a
#   S=$(nt_netns_add sw)
#   BR=$(nt_bridge_add br "$S")
#   read -r VA PA <<<"$(nt_veth_add va "$A" pa "$S")"
#   nt_link_master "$PA" "$BR" "$S"
#   nt_addr_add "$VA" 192.168.1.1/24 "$A"
#   T42=$(nt_tap_vlan "$A" "$VA" 42 t42)    # needs $VLAN_TAGGER
#   nt_exec "$A" ping -c 1 -W 1 192.168.1.2
#
# Functions (each logs what failed, on stderr, and returns non-zero):
#   nt_init                    root check, name prefix, resolv.conf copy, traps
#   nt_netns_add NAME          namespace + its resolv.conf, lo up
#   nt_bridge_add NAME [NS]    bridge, STP off, up
#   nt_veth_add A NS_A B NS_B  veth pair, each end created in its namespace
#   nt_link_master IF BR [NS]  make IF a port of bridge BR
#   nt_bridge_port NS IF PORT BR [BR_NS]
#                              veth IF in NS whose peer PORT is a port of BR
#   nt_addr_add IF CIDR [NS]   address (replace: harmless twice), IF up
#   nt_exec NS CMD...          ip netns exec
#   nt_bg NS LOG CMD...        background process, PID printed and recorded
#   nt_alive PID               running (zombies are not)
#   nt_wait_for SECS CMD...    poll CMD every 0.1 s, at most SECS seconds
#   nt_tap_vlan NS IF VID TAP  emulated IF.VID: TAP served by vlan-tagger
#   nt_tap_pid NS TAP          that tagger's PID
#   nt_defer CMD...            run CMD first thing at cleanup
#   nt_cleanup                 stop, delete, check resolv.conf (EXIT does it)
#   nt_name SHORT              the real name for SHORT
#   nt_check WHAT CMD...       one counted check: "ok: WHAT" or "FAIL: WHAT"
#   nt_summary                 "N passed, M failed"; false if any failed
#
# Names. Every object the helper creates (namespace, bridge, veth end, TAP)
# gets this run's prefix: "r" + the test's PID in hex + "-", e.g. r3039-a.
# Functions that create something take a short name, print the real name on
# stdout and record it for cleanup; every other function takes real names.
# `nt_name SHORT` prints the real name without creating anything. Interface
# names are at most 15 characters and the prefix takes up to 8, so short
# names have 1 to 7 letters, digits or underscores. The prefix keeps
# parallel runs apart and makes leftovers easy to spot (`ip netns list`).
# An empty NS argument means the root namespace; tests should not need it.
#
# Recording goes to files in a private state directory, not shell variables,
# so creating things inside $(...) is safe. nt_defer is the exception: call
# it from the test's main shell.
#
# Each namespace gets /etc/netns/NAME/resolv.conf ("nameserver 127.0.0.1")
# before it exists, so `ip netns exec` bind-mounts it over /etc/resolv.conf
# and no DHCP client hook run inside can rewrite the host's file. Still give
# every client a hook script of the test's own.
#
# Traffic rule: packets only to loopback or to addresses inside namespaces
# the test created (RFC 1918 or link addresses). Every loop here is bounded.
#
# Environment: VLAN_TAGGER (path of the built vlan-tagger, for nt_tap_vlan),
# NT_TIMEOUT (seconds before a watchdog stops the test with SIGTERM so the
# cleanup still runs; default 0 = none; set it below the ctest TIMEOUT, which
# kills with SIGKILL), NT_KEEP=1 (keep the state directory for debugging),
# NT_TAGGER_LOG_LEVEL (default info), NT_SLOW (a whole factor, default 1,
# that every nt_wait_for timeout and the grace between SIGTERM and SIGKILL
# are multiplied by: 3 when the daemons run under valgrind, RN_VALGRIND in
# tests/CMakeLists.txt; once this file is sourced, NT_SLOW is set and
# checked, for tests' own timings). After nt_init, NT_LOGDIR is a private
# directory that lives until the cleanup (kept with NT_KEEP=1); the tagger
# serving TAP in NS logs to $NT_LOGDIR/tagger-NS-TAP.log. Logs of processes
# started with nt_bg are printed (last lines) when the test fails.
#
# Because one test deliberately rewrites /etc/resolv.conf to check the guard,
# ctest runs tests that source this file under RESOURCE_LOCK
# racknet_resolv_conf (rn_netns_test in tests/CMakeLists.txt does it).

[ -n "${NT__SOURCED:-}" ] && return 0
NT__SOURCED=1
NT__SLOW=${NT_SLOW:-1}
if ! [[ $NT__SLOW =~ ^[1-9][0-9]?$ ]]; then
	echo "netns.sh: NT_SLOW='$NT__SLOW' is not a whole factor from 1 to 99" >&2
	exit 1
fi
NT_SLOW=$NT__SLOW	# checked: what tests read for their own timings

NT_PASSES=0		# nt_check counts
NT_FAILS=0

# nt_check WHAT CMD...: run CMD as one counted check of the test.
nt_check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
		NT_PASSES=$((NT_PASSES + 1))
	else
		echo "FAIL: $what"
		NT_FAILS=$((NT_FAILS + 1))
	fi
}

# nt_summary: print the counts; the test's exit status (end the test with it).
nt_summary() {
	echo "$NT_PASSES passed, $NT_FAILS failed"
	[ "$NT_FAILS" -eq 0 ]
}

NT__PID=""		# $$ of the shell that called nt_init
NT__STATE=""		# private state directory
NT_LOGDIR=""		# = the state directory: tagger logs, tests' own logs
NT__PREFIX=""
NT__GUARD_TRIPPED=0
NT__DEFER=()
NT_BG_PID=""		# last nt_bg PID, when not called inside $(...)
NT__RESOLV=/etc/resolv.conf

nt__log() {
	printf 'netns.sh: %s\n' "$*" >&2
}

# Run a command; on failure say which one and what it printed, keep its rc.
nt__run() {
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -ne 0 ]; then
		nt__log "FAILED (rc $rc): $* : ${out//$'\n'/ | }"
	fi
	return "$rc"
}

nt__need_init() {
	if [ "$NT__PID" != "$$" ] || [ ! -d "$NT__STATE" ]; then
		nt__log "${FUNCNAME[1]}: call nt_init first"
		return 1
	fi
}

# ip in namespace NS (empty: the root namespace).
nt__ip() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip -n "$ns" "$@"
	else
		ip "$@"
	fi
}

nt__record() {
	printf '%s\n' "$2" >>"$NT__STATE/$1"
}

nt__recorded() {
	grep -qxF -- "$2" "$NT__STATE/$1" 2>/dev/null
}

# 0 if NS is empty (root) or a namespace this run created.
nt__ns_ok() {
	[ -z "$1" ] && return 0
	nt__recorded netns "$1" && return 0
	nt__log "${FUNCNAME[1]}: $1 is not a namespace this test created"
	return 1
}

nt__now_us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo "$((10#$t))"
}

nt__starttime() {
	local stat rest
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${stat##*) }
	# shellcheck disable=SC2086
	set -- $rest
	# Fields after "(comm)": state is field 3, starttime field 22.
	[ $# -ge 20 ] || return 1
	echo "${20}"
}

nt_name() {
	local max=7	# fixed, so a name never works for one PID only
	if [ -z "$NT__PREFIX" ]; then
		nt__log "nt_name: call nt_init first"
		return 1
	fi
	if ! [[ $1 =~ ^[A-Za-z0-9_]+$ ]] || [ ${#1} -gt "$max" ]; then
		nt__log "bad short name '$1': 1-$max letters, digits or _"
		return 1
	fi
	echo "$NT__PREFIX$1"
}

# Objects named with this prefix already exist (a crashed run, a reused PID).
nt__prefix_in_use() {
	compgen -G "/run/netns/$1*" >/dev/null && return 0
	compgen -G "/etc/netns/$1*" >/dev/null && return 0
	ip -o link show 2>/dev/null | grep -qF ": $1"
}

nt__pick_prefix() {
	local i hex
	printf -v hex '%x' "$$"
	for i in 1 2 3 4 5 6; do
		if ! nt__prefix_in_use "r$hex-"; then
			NT__PREFIX="r$hex-"
			return 0
		fi
		nt__log "names r$hex-* are in use (left by a crashed run?)"
		printf -v hex '%x' $(((RANDOM << 7 ^ RANDOM) & 0x3fffff))
	done
	return 1
}

# Save /etc/resolv.conf as it is: link target, content, mode, checksum.
nt__resolv_save() {
	local d=$NT__STATE/resolv
	mkdir -p "$d" || return 1
	if [ -L "$NT__RESOLV" ]; then
		readlink "$NT__RESOLV" >"$d/link" || return 1
	fi
	if [ -e "$NT__RESOLV" ]; then
		cp -- "$NT__RESOLV" "$d/content" &&
			stat -L -c %a "$NT__RESOLV" >"$d/mode" &&
			sha256sum <"$NT__RESOLV" >"$d/sum" || return 1
	else
		: >"$d/absent"
	fi
}

# 0 if /etc/resolv.conf is as nt__resolv_save found it.
nt__resolv_same() {
	local d=$NT__STATE/resolv
	if [ -f "$d/link" ]; then
		[ -L "$NT__RESOLV" ] &&
			[ "$(readlink "$NT__RESOLV")" = "$(cat "$d/link")" ] ||
			return 1
	elif [ -L "$NT__RESOLV" ]; then
		return 1
	fi
	if [ -f "$d/absent" ]; then
		[ ! -e "$NT__RESOLV" ]
		return
	fi
	[ -f "$NT__RESOLV" ] &&
		[ "$(stat -L -c %a "$NT__RESOLV")" = "$(cat "$d/mode")" ] &&
		[ "$(sha256sum <"$NT__RESOLV")" = "$(cat "$d/sum")" ]
}

# Put the saved file back, in place (same inode) when it is still a file.
nt__resolv_restore() {
	local d=$NT__STATE/resolv
	if [ -f "$d/link" ]; then
		if ! [ -L "$NT__RESOLV" ] ||
			[ "$(readlink "$NT__RESOLV")" != "$(cat "$d/link")" ]; then
			rm -f -- "$NT__RESOLV" &&
				ln -s -- "$(cat "$d/link")" "$NT__RESOLV"
		fi
	elif [ -f "$d/absent" ]; then
		rm -f -- "$NT__RESOLV"
		return
	elif [ -L "$NT__RESOLV" ] || { [ -e "$NT__RESOLV" ] &&
		! [ -f "$NT__RESOLV" ]; }; then
		rm -rf -- "$NT__RESOLV"
	fi
	cat -- "$d/content" >"$NT__RESOLV" &&
		chmod "$(cat "$d/mode")" "$NT__RESOLV"
}

nt__resolv_guard() {
	[ -d "$NT__STATE/resolv" ] || return 0
	nt__resolv_same && return 0
	nt__resolv_restore || nt__log "restoring $NT__RESOLV failed"
	NT__GUARD_TRIPPED=1
	{
		echo "######################################################"
		echo "FAIL: a test rewrote /etc/resolv.conf (restored it)"
		echo "######################################################"
	} >&2
	if ! nt__resolv_same; then
		echo "FAIL: could not restore /etc/resolv.conf; saved copy" \
			"in $NT__STATE/resolv" >&2
		NT_KEEP=1
	fi
	return 1
}

# SIGTERM to the test after NT_TIMEOUT seconds, so its cleanup runs before
# ctest's TIMEOUT kills it with SIGKILL.
nt__watchdog_start() {
	local t=${NT_TIMEOUT:-0} me=$$ st
	[[ $t =~ ^[0-9]+$ ]] && [ "$t" -gt 0 ] || return 0
	st=$(nt__starttime "$me") || return 0
	(
		trap - EXIT INT HUP
		s=""
		trap '[ -n "$s" ] && kill "$s" 2>/dev/null; exit 0' TERM
		sleep "$t" &
		s=$!
		wait "$s" || exit 0
		# Only the very same process: its PID may have been reused.
		[ "$(nt__starttime "$me")" = "$st" ] || exit 0
		: >"$NT__STATE/watchdog"
		kill -TERM "$me"
		# bash runs the trap only when its foreground command ends:
		# after a grace period, stop that command too.
		sleep 5 &
		s=$!
		wait "$s" || exit 0
		[ "$(nt__starttime "$me")" = "$st" ] || exit 0
		for c in $(pgrep -P "$me"); do
			[ "$c" != "$BASHPID" ] && kill -TERM "$c"
		done
	) </dev/null >/dev/null 2>&1 &
	echo "$!" >"$NT__STATE/watchdog.pid"
}

nt__on_signal() {
	if [ -f "$NT__STATE/watchdog" ]; then
		nt__log "watchdog: the test ran longer than NT_TIMEOUT=${NT_TIMEOUT}s"
	else
		nt__log "caught SIG$2, cleaning up"
	fi
	exit "$1"
}

nt_init() {
	[ "$NT__PID" = "$$" ] && [ -d "$NT__STATE" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: ${0##*/} needs root (network namespaces)" >&2
		exit 77
	fi
	if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1; then
		echo "SKIP: ${0##*/} needs iproute2 with netns support" >&2
		exit 77
	fi
	if ! nt__pick_prefix; then
		nt__log "nt_init: no free name prefix"
		exit 1
	fi
	NT__STATE=$(mktemp -d /tmp/racknet-netns.XXXXXX) || exit 1
	(cd "$NT__STATE" && touch netns links etcdirs pids logs taggers) || exit 1
	if ! nt__resolv_save; then
		nt__log "nt_init: cannot save $NT__RESOLV"
		rm -rf -- "$NT__STATE"
		exit 1
	fi
	NT_LOGDIR=$NT__STATE
	NT__PID=$$
	trap nt__on_exit EXIT
	trap 'nt__on_signal 130 INT' INT
	trap 'nt__on_signal 143 TERM' TERM
	trap 'nt__on_signal 129 HUP' HUP
	nt__watchdog_start
	nt__log "names for this run start with $NT__PREFIX (state $NT__STATE)"
}

nt_netns_add() {
	nt__need_init || return 1
	local ns etc
	ns=$(nt_name "$1") || return 1
	if nt__recorded netns "$ns" && [ -e "/run/netns/$ns" ]; then
		echo "$ns"
		return 0
	fi
	if [ -e "/run/netns/$ns" ]; then
		nt__log "nt_netns_add: $ns exists and is not ours"
		return 1
	fi
	etc=/etc/netns/$ns
	nt__recorded etcdirs "$etc" || nt__record etcdirs "$etc"
	mkdir -p "$etc" || return 1
	printf 'nameserver 127.0.0.1\n# %s for namespace %s\n' \
		"tests/lib/netns.sh" "$ns" >"$etc/resolv.conf" || return 1
	nt__recorded netns "$ns" || nt__record netns "$ns"
	nt__run ip netns add "$ns" || return 1
	nt__run ip -n "$ns" link set lo up || return 1
	echo "$ns"
}

nt_bridge_add() {
	nt__need_init || return 1
	local br ns=${2:-}
	br=$(nt_name "$1") || return 1
	nt__ns_ok "$ns" || return 1
	if ! nt__recorded links "$ns $br"; then
		nt__record links "$ns $br"
		nt__run nt__ip "$ns" link add "$br" type bridge stp_state 0 ||
			return 1
	fi
	nt__run nt__ip "$ns" link set "$br" up || return 1
	echo "$br"
}

nt_veth_add() {
	nt__need_init || return 1
	local a b ns_a=${2:-} ns_b=${4:-}
	local -a where_a=() where_b=()
	a=$(nt_name "$1") && b=$(nt_name "$3") || return 1
	nt__ns_ok "$ns_a" && nt__ns_ok "$ns_b" || return 1
	[ -n "$ns_a" ] && where_a=(netns "$ns_a")
	[ -n "$ns_b" ] && where_b=(netns "$ns_b")
	if ! nt__recorded links "$ns_a $a"; then
		nt__record links "$ns_a $a"
		nt__record links "$ns_b $b"
		nt__run ip link add "$a" "${where_a[@]}" type veth \
			peer name "$b" "${where_b[@]}" || return 1
	fi
	nt__run nt__ip "$ns_a" link set "$a" up &&
		nt__run nt__ip "$ns_b" link set "$b" up || return 1
	echo "$a $b"
}

nt_link_master() {
	nt__need_init || return 1
	local ns=${3:-}
	nt__ns_ok "$ns" || return 1
	nt__run nt__ip "$ns" link set "$1" master "$2" &&
		nt__run nt__ip "$ns" link set "$1" up
}

# nt_bridge_port NS IF PORT BR [BR_NS]: a veth pair IF (in NS) / PORT (a port
# of bridge BR in BR_NS): how a host joins the lab's switch. IF and PORT are
# short names, BR the bridge's real name (from nt_bridge_add). Prints IF's
# real name.
nt_bridge_port() {
	local pair a p
	pair=$(nt_veth_add "$2" "$1" "$3" "${5:-}") || return 1
	read -r a p <<<"$pair"
	nt_link_master "$p" "$4" "${5:-}" || return 1
	echo "$a"
}

nt_addr_add() {
	nt__need_init || return 1
	local ns=${3:-}
	nt__ns_ok "$ns" || return 1
	nt__run nt__ip "$ns" addr replace "$2" dev "$1" &&
		nt__run nt__ip "$ns" link set "$1" up
}

nt_exec() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

# nt_bg NS LOGFILE CMD...: CMD (an executable, not a shell function) in the
# background inside NS, output to LOGFILE. Prints the PID; also sets
# NT_BG_PID when called from the main shell.
nt_bg() {
	nt__need_init || return 1
	local ns=$1 log=$2 pid st
	shift 2
	nt__ns_ok "$ns" || return 1
	if [ -n "$ns" ]; then
		set -- ip netns exec "$ns" "$@"
	fi
	"$@" </dev/null >"$log" 2>&1 &
	pid=$!
	st=$(nt__starttime "$pid") || st=gone
	nt__record pids "$pid $st"
	nt__recorded logs "$log" || nt__record logs "$log"
	# shellcheck disable=SC2034 # read by the caller
	NT_BG_PID=$pid
	echo "$pid"
}

# 0 if PID runs (a zombie counts as gone).
nt_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat:0:1}" != Z ]
}

# nt_started PID LOG TEXT: a daemon PID wrote TEXT to LOG (at most 5 s)
# and still runs. A daemon's clients retry, so this is for a clear failure.
nt_started() {
	nt_wait_for 5 grep -q "$3" "$2" || :
	nt_alive "$1"
}

# nt_stop PID: SIGTERM, then wait (at most 5 s) until it is gone.
nt_stop() {
	kill -TERM "$1" 2>/dev/null || return 0
	nt_wait_for 5 eval "! nt_alive $1"
}

# nt_wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
nt_wait_for() {
	local t=$1 n=0 end
	shift
	if ! [[ $t =~ ^[0-9]+$ ]]; then
		nt__log "nt_wait_for: bad timeout '$t'"
		return 1
	fi
	t=$((t * NT__SLOW))
	end=$(($(nt__now_us) + t * 1000000))
	while [ "$n" -le $((t * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(nt__now_us)" -ge "$end" ] && break
		sleep 0.1
		n=$((n + 1))
	done
	nt__log "timed out after ${t}s waiting for: $*"
	return 1
}

# nt_tap_vlan NS PARENT_IF VID TAP: an emulated PARENT_IF.VID subinterface,
# a TAP named TAP (prefixed) served by vlan-tagger inside NS. Prints the
# TAP's real name once it exists (the tagger is then ready) and is up.
nt_tap_vlan() {
	nt__need_init || return 1
	local ns=$1 parent=$2 vid=$3 tap pid log i
	local tagger=${VLAN_TAGGER:-}
	if [ -z "$tagger" ] || [ ! -x "$tagger" ]; then
		nt__log "nt_tap_vlan: VLAN_TAGGER='$tagger' is not the built vlan-tagger"
		return 1
	fi
	tap=$(nt_name "$4") || return 1
	log=$NT_LOGDIR/tagger-${ns:-root}-$tap.log
	pid=$(nt_bg "$ns" "$log" "$tagger" --parent "$parent" --vid "$vid" \
		--tap "$tap" --log-level "${NT_TAGGER_LOG_LEVEL:-info}") ||
		return 1
	nt__recorded links "$ns $tap" || nt__record links "$ns $tap"
	nt__record taggers "${ns:--} $tap $pid"
	for i in $(seq 1 50); do
		if nt__ip "$ns" link show "$tap" >/dev/null 2>&1; then
			nt__run nt__ip "$ns" link set "$tap" up || return 1
			echo "$tap"
			return 0
		fi
		if ! nt_alive "$pid"; then
			nt__log "nt_tap_vlan: vlan-tagger exited:"
			sed 's/^/    /' "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	nt__log "nt_tap_vlan: $tap did not appear within 5 s"
	return 1
}

# nt_tap_pid NS TAP: the PID of the vlan-tagger serving TAP in NS.
nt_tap_pid() {
	nt__need_init || return 1
	local ns tap pid found=""
	while read -r ns tap pid; do
		[ -z "$tap" ] && continue
		[ "$ns" = "${1:--}" ] && [ "$tap" = "$2" ] && found=$pid
	done <"$NT__STATE/taggers"
	[ -n "$found" ] || { nt__log "nt_tap_pid: no tagger for $2 in $1"; return 1; }
	echo "$found"
}

# nt_defer CMD...: run CMD at cleanup, before anything is killed (stop a
# daemon gracefully, copy its logs). Last deferred runs first. Main shell only.
nt_defer() {
	nt__need_init || return 1
	NT__DEFER+=("$(printf '%q ' "$@")")
}

nt__run_deferred() {
	local i
	for ((i = ${#NT__DEFER[@]} - 1; i >= 0; i--)); do
		eval "${NT__DEFER[$i]}" || nt__log "deferred command failed: ${NT__DEFER[$i]}"
	done
	NT__DEFER=()
}

# Our own record of PID: running, and the same process (start time).
nt__is_ours() {
	nt_alive "$1" && [ "$(nt__starttime "$1")" = "$2" ]
}

# TERM every PID in the list, wait up to 5 s (times NT_SLOW), then KILL
# and wait up to 2 s.
nt__stop_pids() {
	local pid i left=() live grace=$((50 * NT__SLOW))
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null || :
	done
	for i in $(seq 1 $((grace + 20))); do
		live=()
		for pid in "$@"; do
			nt_alive "$pid" && live+=("$pid")
		done
		[ ${#live[@]} -eq 0 ] && return 0
		if [ "$i" -eq "$grace" ]; then
			nt__log "still running after SIGTERM, sending SIGKILL: ${live[*]}"
			kill -KILL "${live[@]}" 2>/dev/null || :
		fi
		left=("${live[@]}")
		sleep 0.1
	done
	nt__log "could not stop: ${left[*]}"
	return 1
}

nt__kill_recorded() {
	local pid st mine=()
	while read -r pid st; do
		[ -n "$pid" ] && nt__is_ours "$pid" "$st" && mine+=("$pid")
	done <"$NT__STATE/pids"
	: >"$NT__STATE/pids"
	[ ${#mine[@]} -eq 0 ] && return 0
	nt__stop_pids "${mine[@]}"
}

# Anything still inside our namespaces was started there by the test (a
# daemon that forked, say): stop it too, or the namespace outlives us.
nt__kill_in_namespaces() {
	local ns pid comm stray=()
	while read -r ns; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			comm=$(cat "/proc/$pid/comm" 2>/dev/null) || comm="?"
			nt__log "process $pid ($comm) left in $ns, stopping it"
			stray+=("$pid")
		done
	done <"$NT__STATE/netns"
	[ ${#stray[@]} -eq 0 ] && return 0
	nt__stop_pids "${stray[@]}"
}

nt__delete_all() {
	local rc=0 ns ifc dir
	while read -r ns ifc; do
		[ -z "$ifc" ] && { ifc=$ns; ns=""; }
		[ -n "$ns" ] && [ ! -e "/run/netns/$ns" ] && continue
		nt__ip "$ns" link show "$ifc" >/dev/null 2>&1 || continue
		nt__run nt__ip "$ns" link del "$ifc" || rc=1
	done < <(tac "$NT__STATE/links")
	: >"$NT__STATE/links"
	while read -r ns; do
		[ -e "/run/netns/$ns" ] || continue
		nt__run ip netns del "$ns" || rc=1
	done < <(tac "$NT__STATE/netns")
	: >"$NT__STATE/netns"
	while read -r dir; do
		case $dir in
		/etc/netns/"$NT__PREFIX"?*) rm -rf -- "$dir" || rc=1 ;;
		esac
	done <"$NT__STATE/etcdirs"
	: >"$NT__STATE/etcdirs"
	return "$rc"
}

# nt_cleanup: stop what we started, delete what we created, check
# /etc/resolv.conf. Safe to call more than once; the EXIT trap calls it.
# Returns 1 if something could not be removed or resolv.conf had changed.
nt_cleanup() {
	[ "$NT__PID" = "$$" ] && [ -d "$NT__STATE" ] || return 0
	local - rc=0 wd
	set +e	# a failing step must not end the cleanup
	if [ -f "$NT__STATE/watchdog.pid" ]; then
		wd=$(cat "$NT__STATE/watchdog.pid")
		kill -TERM "$wd" 2>/dev/null || :
		rm -f "$NT__STATE/watchdog.pid"
	fi
	nt__run_deferred
	nt__kill_recorded || rc=1
	nt__kill_in_namespaces || rc=1
	nt__delete_all || rc=1
	nt__resolv_guard || rc=1
	return "$rc"
}

nt__show_logs() {
	local f
	while read -r f; do
		[ -s "$f" ] || continue
		echo "---- $f (last 20 lines) ----"
		tail -n 20 -- "$f"
	done <"$NT__STATE/logs" >&2
}

nt__on_exit() {
	local rc=$?
	set +e
	trap '' INT TERM HUP	# let the cleanup finish
	[ -d "$NT__STATE" ] || exit "$rc"
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		nt__show_logs
	fi
	# A pass or a skip becomes a failure if the cleanup found trouble.
	if ! nt_cleanup || [ "$NT__GUARD_TRIPPED" -ne 0 ]; then
		if [ "$rc" -eq 0 ] || [ "$rc" -eq 77 ]; then
			rc=1
		fi
	fi
	if [ -n "${NT_KEEP:-}" ]; then
		nt__log "kept $NT__STATE"
	else
		rm -rf -- "$NT__STATE"
	fi
	exit "$rc"
}
