# shellcheck shell=bash
#
# tests/lib/tftp.sh: racknet-tftpd in the namespace tests, and the TFTP
# and HTTP clients that fetch from it. Source it after netns.sh:
#
#   source "$here/../lib/netns.sh"
#   source "$here/../lib/tftp.sh"
#   nt_init
#   tf_init                       # tools, dirs, IPAM database
#   tf_lab                        # srv and cli namespaces, one veth
#   tf_file files/a.bin 3000      # a random file under the root
#   tf_start                      # racknet-tftpd in srv, ports open
#   nt_check "hpa: a.bin" tf_fetch_ok hpa files/a.bin
#
# Layout (all under $TF_DIR, in the test's private $NT_LOGDIR, gone at
# cleanup): root/ (--root), templates/ (--templates), ipam.db (--db),
# outside.txt (a file next to the root, for traversal checks), got/
# (what clients fetched).
#
#   tf_init                     check tools (a missing one fails the
#                               test) and RACKNET/RACKNET_TFTPD, make the
#                               folders, `racknet init`
#   tf_lab                      namespaces TF_SRV_NS (10.69.0.1/24) and
#                               TF_NS (10.69.0.10/24), one veth between
#   tf_templates                the test's own templates (below)
#   tf_file PATH SIZE           SIZE random bytes at root/PATH
#   tf_sum FILE                 its sha256
#   tf_now_ms                   a clock in milliseconds
#   tf_start [ARG...]           racknet-tftpd in TF_SRV_NS (TFTP on
#                               TF_SERVER:TF_PORT, HTTP on TF_HTTP_PORT),
#                               waits until both ports are open; TF_PID,
#                               TF_LOG; stopped at cleanup
#   tf_stop                     stop it (SIGTERM, wait)
#   tf_port_open NS udp|tcp ADDR PORT
#   tf_stat NAME                counter NAME of `racknet tftp stats --json`
#   tf_stat_ge NAME N           it reached N
#
# Clients. tf_get runs one client and keeps its output in TF_OUT and its
# exit status in TF_RC (call it from the main shell). TOOL is one of
#   hpa      tftp-hpa's tftp (no options; ascii = netascii mode)
#   atftp    atftp (blksize, tsize, windowsize, timeout; trace)
#   curl     curl tftp:// (blksize; noopts; always --path-as-is)
#   busybox  busybox tftp (blksize)
# OPTs: blksize=N tsize windowsize=N timeout=S ascii noopts trace
# (atftp) verbose (curl) ns=NS server=ADDR port=P; an option a tool
# cannot send fails the call.
#
#   tf_get TOOL REMOTE LOCAL [OPT...]     0 only if the client says it
#                                         got the file (tftp-hpa exits 0
#                                         on errors: its output decides)
#   tf_put TOOL LOCAL REMOTE [OPT...]     a write request (hpa, atftp,
#                                         curl, busybox)
#   tf_fetch_ok TOOL REMOTE [OPT...]      fetch root/REMOTE (or want=FILE)
#                                         and compare checksums
#   tf_err_code TOOL                      the TFTP error code the last
#                                         client reported, "?" if it does
#                                         not say (atftp), "none"
#   tf_expect_error TOOL REMOTE CODE [OPT...]
#                                         the fetch fails with an ERROR
#                                         from the server, code CODE
#   tf_show                               TF_OUT, indented
#
# The lossy relay (tests/tools/udp-relay), in the client namespace:
#   tf_relay_start [RULE...]    udp-relay on 127.0.0.1:TF_RELAY_PORT ->
#                               TF_SERVER:TF_PORT with RULEs (e.g.
#                               --drop-data 3); clients reach it with
#                               server=127.0.0.1 port=$TF_RELAY_PORT
#   tf_relay_stop               stop it: its summary is in its log
#   tf_relay_count NAME         a count of that summary (dropped,
#                               data_resent, stray_err5, ...)
#   tf_relay_said TEXT          the relay's log has TEXT
#
# HTTP (curl): tf_http PATH [CURL_ARG...] fetches
# http://TF_SERVER:TF_HTTP_PORT/PATH into $TF_DIR/got/http.body with the
# headers in http.head; TF_HTTP_CODE, TF_HTTP_CONNECTS.
#
# The test templates. Every kind (pxelinux, grub, ipxe) renders one line
# per variable, "NAME=VALUE", after a first line "kind=KIND" (or
# "kind=KIND-local" for the local profile), so tf_var FILE NAME reads a
# rendered value back.
#
# Environment: RACKNET, RACKNET_TFTPD (set by ctest: rn_netns_test in
# tests/CMakeLists.txt); UDP_RELAY (the built udp-relay; by default next
# to VLAN_TAGGER, which ctest sets); TF_LOG_LEVEL (racknet-tftpd's,
# default info).

[ -n "${TF__SOURCED:-}" ] && return 0
TF__SOURCED=1

TF_DIR=""
TF_ROOT=""
TF_TEMPLATES=""
TF_DB=""
TF_SRV_NS=""		# racknet-tftpd's namespace
TF_NS=""		# the clients'
TF_SERVER=10.69.0.1
TF_CLIENT=10.69.0.10
TF_PORT=69
TF_HTTP_PORT=8080
TF_PID=""
TF_LOG=""
TF_OUT=""		# what the last client printed
TF_RC=0			# and its exit status
TF_GETS=0		# transfers tf_get saw succeed
TF_HTTP_CODE=""
TF_RELAY_PORT=6969
TF_RELAY_PID=""
TF_RELAY_LOG=""
TF_RELAYS=0
TF_HTTP_CONNECTS=""

TF_VARS=(hostname domain fqdn ip mac mac_dash arch profile kernel initrd
	cmdline server http)

# A missing client is a failure, not a skip: scripts/deps installs them
# all, and only the harness skips (no root, no namespaces).
tf_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "FAIL: needs $t (scripts/deps installs it)"
			exit 1
		fi
	done
}

tf_init() {
	tf_need jq timeout tftp atftp curl busybox sha256sum perl ss
	if [ -z "${RACKNET:-}" ] || [ ! -x "$RACKNET" ]; then
		echo "FAIL: RACKNET='${RACKNET:-}' is not the built racknet"
		exit 1
	fi
	if [ -z "${RACKNET_TFTPD:-}" ] || [ ! -x "$RACKNET_TFTPD" ]; then
		echo "FAIL: RACKNET_TFTPD='${RACKNET_TFTPD:-}' is not the built racknet-tftpd"
		exit 1
	fi
	TF_DIR=$NT_LOGDIR/tftp
	TF_ROOT=$TF_DIR/root
	TF_TEMPLATES=$TF_DIR/templates
	TF_DB=$TF_DIR/ipam.db
	TF_LOG=$NT_LOGDIR/tftpd.log
	mkdir -p "$TF_ROOT" "$TF_TEMPLATES" "$TF_DIR/got" || exit 1
	echo "not for clients" >"$TF_DIR/outside.txt"
	rn init >/dev/null || exit 1
}

if ! declare -F rn >/dev/null; then
	rn() {
		"$RACKNET" --db "$TF_DB" "$@"
	}
fi

tf_lab() {
	local vs vc
	TF_SRV_NS=$(nt_netns_add srv) && TF_NS=$(nt_netns_add cli) || exit 1
	read -r vs vc <<<"$(nt_veth_add vs "$TF_SRV_NS" vc "$TF_NS")"
	[ -n "$vc" ] || exit 1
	nt_addr_add "$vs" "$TF_SERVER/24" "$TF_SRV_NS" &&
		nt_addr_add "$vc" "$TF_CLIENT/24" "$TF_NS" || exit 1
}

# tf_tmpl KIND MARK: one test template: "kind=MARK", then NAME=${NAME}.
tf_tmpl() {
	local v
	{
		echo "kind=$2"
		for v in "${TF_VARS[@]}"; do
			# shellcheck disable=SC2016 # a template's ${name}
			printf '%s=${%s}\n' "$v" "$v"
		done
	} >"$TF_TEMPLATES/$1.tmpl"
}

tf_templates() {
	local k
	for k in pxelinux grub ipxe; do
		tf_tmpl "$k" "$k"
		tf_tmpl "$k-local" "$k-local"
	done
}

# tf_var FILE NAME: the value of NAME in a file rendered from a test
# template (the first NAME= line).
tf_var() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}

tf_file() {
	mkdir -p "$(dirname "$TF_ROOT/$1")" &&
		head -c "$2" /dev/urandom >"$TF_ROOT/$1"
}

tf_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t / 1000))
}

tf_sum() {
	sha256sum <"$1" | cut -d' ' -f1
}

# tf_port_open NS udp|tcp ADDR PORT: something listens there.
tf_port_open() {
	local flag=-uln
	[ "$2" = tcp ] && flag=-tln
	ip netns exec "$1" ss -H "$flag" "src $3:$4" 2>/dev/null | grep -q .
}

# shellcheck disable=SC2120 # arguments are optional
tf_start() {
	local rc=0
	TF_PID=$(nt_bg "$TF_SRV_NS" "$TF_LOG" "$RACKNET_TFTPD" --db "$TF_DB" \
		--root "$TF_ROOT" --templates "$TF_TEMPLATES" \
		--tftp-listen "$TF_SERVER:$TF_PORT" \
		--http-listen "$TF_SERVER:$TF_HTTP_PORT" \
		--log-level "${TF_LOG_LEVEL:-info}" "$@") || return 1
	nt_defer tf_stop
	nt_wait_for 5 eval "! nt_alive $TF_PID ||
		{ tf_port_open $TF_SRV_NS udp $TF_SERVER $TF_PORT &&
		  tf_port_open $TF_SRV_NS tcp $TF_SERVER $TF_HTTP_PORT; }" || rc=1
	if ! nt_alive "$TF_PID"; then
		echo "   racknet-tftpd exited at start:"
		sed 's/^/      | /' "$TF_LOG"
		return 1
	fi
	return "$rc"
}

tf_stop() {
	[ -n "$TF_PID" ] || return 0
	nt_stop "$TF_PID"
}

# tf_stat NAME: a counter as racknet-tftpd last published it, 0 before.
tf_stat() {
	local v
	v=$(rn tftp stats --json 2>/dev/null | jq -r ".counters.$1 // 0") || v=0
	echo "${v:-0}"
}

tf_stat_ge() {
	[ "$(tf_stat "$1")" -ge "$2" ] 2>/dev/null
}

tf_show() {
	local l
	while IFS= read -r l; do
		echo "      | $l"
	done <<<"$TF_OUT"
}

# tf__client TOOL get|put REMOTE LOCAL [OPT...]: build and run the
# command; sets TF_OUT and TF_RC.
tf__client() {
	local tool=$1 dir=$2 remote=$3 local_=$4 ns=$TF_NS server=$TF_SERVER
	local port=$TF_PORT mode=binary o url
	local -a a=() opts=()
	shift 4
	for o in "$@"; do
		case $tool:$o in
		*:ns=*) ns=${o#ns=} ;;
		*:server=*) server=${o#server=} ;;
		*:port=*) port=${o#port=} ;;
		*:want=*) ;;
		hpa:ascii) mode=ascii ;;
		atftp:blksize=* | atftp:windowsize=* | atftp:timeout=*)
			opts+=(--option "${o%%=*} ${o#*=}") ;;
		atftp:tsize) opts+=(--option "tsize enable") ;;
		atftp:trace) opts+=(--trace) ;;
		atftp:noopts) opts+=(--option "blksize disable" --option "tsize disable") ;;
		curl:blksize=*) opts+=(--tftp-blksize "${o#*=}") ;;
		curl:noopts) opts+=(--tftp-no-options) ;;
		curl:verbose) opts+=(-v) ;;
		# curl asks for "timeout" = a fifth of its connect timeout
		# (6 s unless told): timeout=1 is --connect-timeout 5.
		curl:timeout=*) opts+=(--connect-timeout $((${o#*=} * 5))) ;;
		curl:tsize) ;;		# curl always asks for tsize
		busybox:blksize=*) opts+=(-b "${o#*=}") ;;
		*)
			TF_OUT="tf_get: $tool cannot do '$o'"
			TF_RC=2
			return 2
			;;
		esac
	done
	case $tool:$dir in
	hpa:get) a=(tftp -l -m "$mode" "$server" "$port" -c get "$remote" "$local_") ;;
	hpa:put) a=(tftp -l -m "$mode" "$server" "$port" -c put "$local_" "$remote") ;;
	atftp:get) a=(atftp "${opts[@]}" -g -r "$remote" -l "$local_" "$server" "$port") ;;
	atftp:put) a=(atftp "${opts[@]}" -p -r "$remote" -l "$local_" "$server" "$port") ;;
	curl:*)
		url="tftp://$server:$port/$remote"
		if [ "$dir" = get ]; then
			a=(curl -sS --path-as-is "${opts[@]}" -o "$local_" "$url")
		else
			a=(curl -sS --path-as-is "${opts[@]}" -T "$local_" "$url")
		fi
		;;
	busybox:get) a=(busybox tftp "${opts[@]}" -g -r "$remote" -l "$local_" "$server" "$port") ;;
	busybox:put) a=(busybox tftp "${opts[@]}" -p -r "$remote" -l "$local_" "$server" "$port") ;;
	*)
		TF_OUT="tf_get: unknown tool $tool"
		TF_RC=2
		return 2
		;;
	esac
	TF_RC=0
	TF_OUT=$(timeout 60 ip netns exec "$ns" "${a[@]}" 2>&1) || TF_RC=$?
	# tftp-hpa exits 0 whatever happened; its words tell.
	if [ "$tool" = hpa ] && [ "$TF_RC" -eq 0 ] &&
		grep -qiE '^(Error code|Transfer timed out|tftp:)' <<<"$TF_OUT"; then
		TF_RC=1
	fi
	return "$TF_RC"
}

tf_get() {
	local tool=$1 remote=$2 local_=$3
	shift 3
	rm -f -- "$local_"
	tf__client "$tool" get "$remote" "$local_" "$@" || return
	# curl writes no file for an empty body.
	[ -e "$local_" ] || : >"$local_"
	TF_GETS=$((TF_GETS + 1))
}

tf_put() {
	local tool=$1 local_=$2 remote=$3
	shift 3
	tf__client "$tool" put "$remote" "$local_" "$@"
}

# tf_fetch_ok TOOL REMOTE [OPT...] (want=FILE: compare with FILE instead
# of root/REMOTE).
tf_fetch_ok() {
	local tool=$1 remote=$2 o want got
	shift 2
	want=$TF_ROOT/$remote
	for o in "$@"; do
		[[ $o == want=* ]] && want=${o#want=}
	done
	got=$TF_DIR/got/$tool.out
	if ! tf_get "$tool" "$remote" "$got" "$@"; then
		echo "   $tool get $remote $*: exit status $TF_RC"
		tf_show
		return 1
	fi
	if [ ! -f "$got" ] || [ "$(tf_sum "$got")" != "$(tf_sum "$want")" ]; then
		echo "   $tool get $remote $*: got $(stat -c %s "$got" 2>/dev/null ||
			echo no) bytes, sha256 $(tf_sum "$got" 2>/dev/null);" \
			"want $(stat -c %s "$want") bytes, sha256 $(tf_sum "$want")"
		tf_show
		return 1
	fi
}

# The TFTP error code in the last client's words: "none" if it reports
# no ERROR from the server, "?" if it got one but does not say the code.
tf_err_code() {
	local c=""
	case $1 in
	hpa) c=$(sed -n 's/^Error code \([0-9]*\):.*/\1/p' <<<"$TF_OUT" | head -n 1) ;;
	busybox) c=$(sed -n 's/.*server error: (\([0-9]*\)).*/\1/p' <<<"$TF_OUT" | head -n 1) ;;
	atftp) grep -q 'error received from server' <<<"$TF_OUT" && c="?" ;;
	curl)
		# curl's exit codes 68..74 are TFTP errors 1..7; code 0
		# ("not defined") has no code of its own.
		if [ "$TF_RC" -ge 68 ] && [ "$TF_RC" -le 74 ]; then
			c=$((TF_RC - 67))
		elif grep -q 'TFTP response code' <<<"$TF_OUT"; then
			c="?"
		fi
		;;
	esac
	echo "${c:-none}"
}

# tf_expect_error TOOL REMOTE CODE [OPT...]: the fetch fails with ERROR
# CODE from the server (any ERROR where the tool does not say the code).
tf_expect_error() {
	local tool=$1 remote=$2 want=$3 got_code
	shift 3
	if tf_get "$tool" "$remote" "$TF_DIR/got/$tool.err" "$@"; then
		echo "   $tool get $remote: succeeded, want ERROR $want"
		return 1
	fi
	got_code=$(tf_err_code "$tool")
	if [ "$got_code" = "$want" ] ||
		{ [ "$got_code" = "?" ] && [ "$tool" = atftp ]; }; then
		return 0
	fi
	echo "   $tool get $remote: exit status $TF_RC, TFTP error $got_code, want $want"
	tf_show
	return 1
}

# tf_http PATH [CURL_ARG...]: GET (or what the args say) PATH over HTTP.
tf_http() {
	local path=$1 w
	shift
	rm -f "$TF_DIR/got/http.body" "$TF_DIR/got/http.head"
	TF_RC=0
	TF_OUT=$(timeout 30 ip netns exec "$TF_NS" curl -sS --path-as-is \
		-o "$TF_DIR/got/http.body" -D "$TF_DIR/got/http.head" \
		-w '%{http_code} %{num_connects}\n' "$@" \
		"http://$TF_SERVER:$TF_HTTP_PORT/$path" 2>&1) || TF_RC=$?
	w=$(tail -n 1 <<<"$TF_OUT")
	# shellcheck disable=SC2034 # read by the tests
	TF_HTTP_CODE=${w%% *}
	# shellcheck disable=SC2034 # read by the tests
	TF_HTTP_CONNECTS=${w##* }
	[ "$TF_RC" -eq 0 ]
}

# tf_http_header NAME: that header of the last tf_http response.
tf_http_header() {
	tr -d '\r' <"$TF_DIR/got/http.head" |
		sed -n "s/^$1: *//Ip" | tail -n 1
}

tf_relay_start() {
	local relay=${UDP_RELAY:-}
	if [ -z "$relay" ] && [ -n "${VLAN_TAGGER:-}" ]; then
		relay=$(dirname "$VLAN_TAGGER")/udp-relay
	fi
	if [ -z "$relay" ] || [ ! -x "$relay" ]; then
		echo "   UDP_RELAY='$relay' is not the built udp-relay"
		return 1
	fi
	TF_RELAYS=$((TF_RELAYS + 1))
	TF_RELAY_LOG=$NT_LOGDIR/relay-$TF_RELAYS.log
	TF_RELAY_PID=$(nt_bg "$TF_NS" "$TF_RELAY_LOG" "$relay" \
		--listen "127.0.0.1:$TF_RELAY_PORT" \
		--server "$TF_SERVER:$TF_PORT" --max-time 120 "$@") || return 1
	nt_started "$TF_RELAY_PID" "$TF_RELAY_LOG" 'ready:'
}

tf_relay_stop() {
	[ -n "$TF_RELAY_PID" ] || return 0
	nt_stop "$TF_RELAY_PID"
	TF_RELAY_PID=""
}

tf_relay_count() {
	sed -n "s/.* summary: .* $1=\([0-9]*\).*/\1/p" "$TF_RELAY_LOG" |
		tail -n 1
}

tf_relay_said() {
	grep -qF -- "$1" "$TF_RELAY_LOG"
}

# tf_relay_show: the relay's lines, indented.
tf_relay_show() {
	sed 's/^/      relay| /' "$TF_RELAY_LOG"
}
