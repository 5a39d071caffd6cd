# shellcheck shell=bash
#
# tests/lib/lab.sh: the PXE lab, shared by scripts/lab (README's first
# command) and tests/netns/test_pxe_boot.sh. Source it after
# tests/lib/netns.sh and tests/lib/dhcp.sh, call nt_init, then:
#
#   LAB_DIR=DIR lab_init           tools, programs, a fresh DIR (below)
#   lab_net                        namespaces, bridge, tagged VLAN 42
#   lab_ipam                       a fresh IPAM with the sample lab
#   lab_host NAME MAC PROFILE      a host for a VM
#   lab_bootfiles                  the boot root and the templates
#   lab_server_start               racknet run in the server namespace
#   lab_tagged_client              dhclient on VLAN 42 (tagged) gets a lease
#   lab_vm_start NAME MAC FW       a VM (FW bios or uefi) that PXE-boots
#   lab_vm_watch NAME FLOW [SECS]  one line per stage of its boot as it
#                                  happens; false if one does not come
#   lab_vm_stop NAME               stop it if it still runs
#   lab_show VM...                 status, leases, dig, transfers, timings
#   lab_server_stop                SIGTERM to racknet run, wait
#   lab_keep / lab_stop_kept DIR   leave the lab running / stop a kept one
#
# Every step prints one line when it is done, "[  12.3s] STAGE: what",
# and a failure prints "lab: FAILED at STAGE: why" and where the logs
# are (lab_fail), then returns 1. Every wait is bounded.
#
#   srv: vs 10.10.0.1/24 (lab/0), s42 = vs.42 10.42.0.1/24 (lab/42)
#    |   racknet run --chrony-no-clock: racknet-dhcpd, racknet-dnsd,
#    |   racknet-tftpd (TFTP, HTTP on 80), chronyd -x; ra-responder
#   sw:  bridge br, and a tap qNAME per VM (qemu runs here)
#    |
#   c42: v42, t42 = v42.42: dhclient (tagged VLAN 42)
#
# The .42 links are TAPs served by vlan-tagger (nt_tap_vlan: this
# kernel has no 802.1Q). Nothing in the lab has a route out, and a VM's
# only NIC is a port of the lab's bridge. chronyd runs with -x: it
# serves time and never sets this machine's clock.
#
# The boot flow. qemu's NIC ROM (ipxe-qemu) already runs iPXE, so DHCP
# gives it the boot table's `ipxe` entry at once. The lab sets that entry
# to tftp://${server}/lab/stage1.ipxe (tests/lab/root): a first script
# over TFTP, which chains the machine's own script over HTTP
# (boot.ipxe?mac=..., rendered by racknet-tftpd from the lab's template
# tests/lab/templates/ipxe-lab.tmpl for boot profile "lab"). That script
# prints the success line and resets the machine: Debian's iPXE
# (1.0.0+git-20190125) has no `poweroff`, so qemu runs with -no-reboot
# and the reset ends it. UEFI adds a step: OVMF's own PXE client gets the
# uefi-x64 entry, ipxe.efi, over TFTP, and ipxe.efi asks DHCP again as
# iPXE. tests/lab/ra-responder tells iPXE there is no IPv6 router, which
# it would otherwise wait ~15 s for.
#
# LAB_DIR holds: db/ipam.db, root/ (the boot files), templates/, logs/
# (racknet run's log with every daemon's lines, each VM's serial console
# and qemu output, the tagged client's and the taggers' logs), vm/ (each
# VM's qemu command line) and bin/ (the DHCP client's hook). It outlives
# the lab, to be read afterwards. chronyd's files go to
# /run/racknet-PREFIX-lab, removed with the lab.
#
# Environment: RACKNET and VLAN_TAGGER (the built programs; ctest sets
# them, scripts/lab too); RACKNET_DHCPD, RACKNET_DNSD, RACKNET_TFTPD if
# set are passed to racknet run (else it finds them next to racknet);
# LAB_ACCEL (kvm or tcg; default: kvm where /dev/kvm opens and the CPU
# has vmx or svm, else tcg); LAB_VM_TIMEOUT (seconds for a boot, 180).

[ -n "${LAB__SOURCED:-}" ] && return 0
LAB__SOURCED=1

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_DIR=${LAB_DIR:-}
LAB_DB=""
LAB_LOGS=""
LAB_ROOT=""
LAB_TEMPLATES=""
LAB_T0=""		# microseconds at lab_init
LAB_STAGE="setup"
LAB_ACCEL=${LAB_ACCEL:-}
LAB_ACCEL_WHY=""
LAB_VM_TIMEOUT=${LAB_VM_TIMEOUT:-180}

# Addresses and names.
LAB_SERVER=10.10.0.1
LAB_SERVER42=10.42.0.1
LAB_SRV_NS="" LAB_SW_NS="" LAB_C42_NS=""
LAB_BR="" LAB_VS="" LAB_S42="" LAB_T42=""
LAB_C42_NAME=storage1	# the tagged client's hostname

# racknet run, and where the daemons log.
LAB_RUN_PID="" LAB_RUN_LOG="" LAB_STATE=""
LAB_DHCPD_LOG="" LAB_TFTPD_LOG=""

# Per VM, by name.
declare -gA LAB_VM_PID=() LAB_VM_T0=() LAB_VM_MAC=() LAB_VM_FW=()
declare -gA LAB_VM_IP=() LAB_VM_OK_MS=()

LAB_ROM=/usr/lib/ipxe/qemu/pxe-e1000.rom
LAB_OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
LAB_OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
LAB_OK_LINE="racknet-lab: PXE boot OK"

lab__us() {
	local t=${EPOCHREALTIME//[!0-9]/}
	echo "$((10#$t))"
}

# lab__secs US: microseconds as "12.3".
lab__secs() {
	local d=$(($1 / 100000))
	printf '%d.%d' $((d / 10)) $((d % 10))
}

# lab_say TEXT: one progress line, stamped with the time since lab_init.
lab_say() {
	printf '[%6ss] %s\n' "$(lab__secs $(($(lab__us) - LAB_T0)))" "$*"
}

# lab_done TEXT: the current stage is done.
lab_done() {
	lab_say "$LAB_STAGE: $*"
}

# lab_fail WHY: say which stage failed and where to look; returns 1.
lab_fail() {
	{
		echo "lab: FAILED at $LAB_STAGE: $*"
		echo "lab: logs in $LAB_LOGS/"
	} >&2
	return 1
}

# lab_stage NAME: the next step's name, for lab_done and lab_fail.
lab_stage() {
	LAB_STAGE=$1
}

lab__need_exe() {
	local var=$1 v
	v=${!var:-}
	if [ -z "$v" ] || [ ! -x "$v" ]; then
		lab_fail "$var='$v' is not the built program"
		return 1
	fi
}

# Which accelerator: KVM needs /dev/kvm and a CPU with hardware
# virtualisation. Nested setups that offer /dev/kvm without vmx or svm
# (kvm-pvm) run SeaBIOS but triple-fault in iPXE, so they get TCG.
lab__pick_accel() {
	if [ -n "$LAB_ACCEL" ]; then
		LAB_ACCEL_WHY="LAB_ACCEL=$LAB_ACCEL"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		LAB_ACCEL=tcg LAB_ACCEL_WHY="no usable /dev/kvm"
	elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		LAB_ACCEL=tcg
		LAB_ACCEL_WHY="/dev/kvm exists but the CPU shows no vmx/svm"
	else
		LAB_ACCEL=kvm LAB_ACCEL_WHY="/dev/kvm and vmx/svm"
	fi
}

# lab_init: check what the lab needs, make a fresh LAB_DIR.
lab_init() {
	local t f missing=""
	LAB_T0=$(lab__us)
	lab_stage "setup"
	if [ -z "$LAB_DIR" ]; then
		lab_fail "LAB_DIR is not set"
		return 1
	fi
	for t in qemu-system-x86_64 dig jq dhclient ss; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	for f in "$LAB_ROM" /usr/lib/ipxe/undionly.kpxe /usr/lib/ipxe/ipxe.efi; do
		[ -r "$f" ] || missing="$missing $f"
	done
	if [ -n "$missing" ]; then
		lab_fail "missing:$missing (scripts/deps installs them)"
		return 1
	fi
	for t in RACKNET VLAN_TAGGER; do
		lab__need_exe "$t" || return 1
	done
	# The database has a folder of its own: racknet run gives such a
	# folder to the daemons' user, so SQLite can make its -wal there.
	LAB_DB=$LAB_DIR/db/ipam.db
	LAB_LOGS=$LAB_DIR/logs
	LAB_ROOT=$LAB_DIR/root
	LAB_TEMPLATES=$LAB_DIR/templates
	# chronyd, once it is the daemons' user, finds its files by path:
	# they go where that user can reach, whatever LAB_DIR's parents are.
	LAB_STATE=/run/racknet-$(nt_name lab) || return 1
	# Only what the lab itself puts there goes, so a wrong LAB_DIR
	# cannot cost more than a lab.
	mkdir -p "$LAB_DIR" &&
		rm -rf -- "${LAB_DIR:?}/db" "$LAB_ROOT" "$LAB_TEMPLATES" \
			"$LAB_LOGS" "${LAB_DIR:?}/bin" "${LAB_DIR:?}/vm" &&
		mkdir -p "$LAB_DIR/db" "$LAB_LOGS" "$LAB_ROOT" \
			"$LAB_TEMPLATES" "$LAB_DIR/bin" "$LAB_DIR/vm" || {
		lab_fail "cannot make $LAB_DIR"
		return 1
	}
	nt_defer rm -rf -- "$LAB_STATE"
	# tests/lib/dhcp.sh's clients keep their hooks in bin/; their logs,
	# like the taggers' (netns.sh), go with the daemons' in logs/.
	# shellcheck disable=SC2034 # tests/lib/dhcp.sh's
	DH_BIN=$LAB_DIR/bin DH_DB=$LAB_DB
	NT_LOGDIR=$LAB_LOGS
	lab__pick_accel
}

lab_rn() {
	"$RACKNET" --db "$LAB_DB" "$@"
}

# lab_net: the namespaces, the bridge, and VLAN 42 tagged on both ends.
lab_net() {
	lab_stage "network"
	local v42
	LAB_SRV_NS=$(nt_netns_add srv) && LAB_SW_NS=$(nt_netns_add sw) &&
		LAB_C42_NS=$(nt_netns_add c42) &&
		LAB_BR=$(nt_bridge_add br "$LAB_SW_NS") &&
		LAB_VS=$(nt_bridge_port "$LAB_SRV_NS" vs ps "$LAB_BR" "$LAB_SW_NS") &&
		nt_addr_add "$LAB_VS" "$LAB_SERVER/24" "$LAB_SRV_NS" &&
		LAB_S42=$(nt_tap_vlan "$LAB_SRV_NS" "$LAB_VS" 42 s42) &&
		nt_addr_add "$LAB_S42" "$LAB_SERVER42/24" "$LAB_SRV_NS" &&
		v42=$(nt_bridge_port "$LAB_C42_NS" v42 p42 "$LAB_BR" "$LAB_SW_NS") &&
		LAB_T42=$(nt_tap_vlan "$LAB_C42_NS" "$v42" 42 t42) &&
		nt__run ip -n "$LAB_C42_NS" link set dev "$LAB_T42" \
			address 02:00:00:42:00:01 || {
		lab_fail "could not build the namespaces (see above)"
		return 1
	}
	# iPXE waits ~15 s for an IPv6 router before it boots; tell it
	# at once that there is none (tests/lab/ra-responder says why).
	nt_bg "$LAB_SRV_NS" "$LAB_LOGS/ra-responder.log" \
		"$LAB_SRC/tests/lab/ra-responder" "$LAB_VS" >/dev/null || {
		lab_fail "could not start tests/lab/ra-responder"
		return 1
	}
	lab_done "namespaces $LAB_SRV_NS (server), $LAB_SW_NS (bridge" \
		"$LAB_BR, the VM's tap) and $LAB_C42_NS (a client on VLAN 42);" \
		"VLAN 42 tagged by vlan-tagger on $LAB_S42 and $LAB_T42;" \
		"an IPv6 \"no router here\" answer for iPXE"
}

# lab_ipam: a fresh IPAM holding the sample lab.
lab_ipam() {
	lab_stage "IPAM"
	local log=$LAB_LOGS/ipam.log
	# shellcheck disable=SC2016 # ${server} is for dhcpd to expand
	{
		lab_rn init &&
		lab_rn fabric add lab &&
		lab_rn vlan add lab 0 --name provisioning &&
		lab_rn vlan add lab 42 --name storage --mtu 9000 &&
		lab_rn subnet add 10.10.0.0/24 --vlan lab/0 --gateway "$LAB_SERVER" \
			--dns "$LAB_SERVER" --ntp "$LAB_SERVER" --domain lab.internal \
			--lease-time 3600 &&
		lab_rn range add 10.10.0.0/24 10.10.0.2 10.10.0.19 --type reserved \
			--comment "switches and PDUs" &&
		lab_rn range add 10.10.0.0/24 10.10.0.100 10.10.0.199 --type dynamic &&
		lab_rn subnet add 10.42.0.0/24 --vlan lab/42 --gateway "$LAB_SERVER42" \
			--domain storage.lab.internal &&
		lab_rn range add 10.42.0.0/24 10.42.0.50 10.42.0.99 --type dynamic &&
		lab_rn subnet add fd00:10::/64 --vlan lab/0 &&
		lab_rn host add node1 --mac 52:54:00:12:34:56 --ip 10.10.0.10 \
			--domain lab.internal --arch uefi-x64 --boot ubuntu &&
		lab_rn address reserve 10.10.0.150 --mac 52:54:00:aa:bb:cc \
			--hostname bmc1 &&
		lab_rn record add www.lab.internal CNAME node1.lab.internal &&
		lab_rn boot-profile add lab &&
		lab_rn bootfile set ipxe 'tftp://${server}/lab/stage1.ipxe' &&
		lab_rn interface set "$LAB_VS" --vlan lab/0 &&
		lab_rn interface set "$LAB_S42" --vlan lab/42
	} >"$log" 2>&1 || {
		sed 's/^/    /' "$log" >&2
		lab_fail "setting up the IPAM failed (the last command's error above)"
		return 1
	}
	lab_done "$LAB_DB: fabric lab, VLAN 0 (untagged) and 42 (tagged)," \
		"subnets 10.10.0.0/24, 10.42.0.0/24 and fd00:10::/64 with" \
		"dynamic and reserved ranges, host node1 at 10.10.0.10, boot" \
		"profile lab, bootfile ipxe = tftp://\${server}/lab/stage1.ipxe"
}

# lab_host NAME MAC PROFILE: a machine for a VM.
lab_host() {
	lab_rn host add "$1" --mac "$2" --domain lab.internal --boot "$3" \
		>>"$LAB_LOGS/ipam.log" 2>&1 || {
		lab_fail "racknet host add $1 failed: $(tail -n 1 "$LAB_LOGS/ipam.log")"
		return 1
	}
}

# lab_bootfiles: iPXE's binaries and the stage-1 script under the root;
# racknet-tftpd's templates plus the lab's own.
lab_bootfiles() {
	lab_stage "boot files"
	cp -L /usr/lib/ipxe/undionly.kpxe /usr/lib/ipxe/ipxe.efi "$LAB_ROOT/" &&
		cp -R "$LAB_SRC/tests/lab/root/." "$LAB_ROOT/" &&
		cp "$LAB_SRC"/tftpd/templates/*.tmpl \
			"$LAB_SRC"/tests/lab/templates/*.tmpl "$LAB_TEMPLATES/" || {
		lab_fail "copying the boot files failed"
		return 1
	}
	lab_done "$LAB_ROOT: undionly.kpxe, ipxe.efi (Debian's ipxe)," \
		"lab/stage1.ipxe; templates with ipxe-lab.tmpl"
}

# lab_server_start: `racknet run --chrony-no-clock` in the server
# namespace: racknet-dhcpd, racknet-dnsd, racknet-tftpd and chronyd (with
# -x: it serves time and never sets this machine's clock), as the user
# racknet (created if missing), all logging to logs/racknet-run.log.
# Waits (10 s) until DHCP, DNS, TFTP, HTTP and NTP listen.
lab_server_start() {
	lab_stage "server"
	LAB_RUN_LOG=$LAB_LOGS/racknet-run.log
	LAB_DHCPD_LOG=$LAB_RUN_LOG
	LAB_TFTPD_LOG=$LAB_RUN_LOG
	local -a progs=()
	[ -n "${RACKNET_DHCPD:-}" ] && progs+=(--dhcpd "$RACKNET_DHCPD")
	[ -n "${RACKNET_DNSD:-}" ] && progs+=(--dnsd "$RACKNET_DNSD")
	[ -n "${RACKNET_TFTPD:-}" ] && progs+=(--tftpd "$RACKNET_TFTPD")
	mkdir -p "$LAB_STATE" || return 1
	nt_bg "$LAB_SRV_NS" "$LAB_RUN_LOG" "$RACKNET" --db "$LAB_DB" run \
		--chrony-no-clock --state-dir "$LAB_STATE" --root "$LAB_ROOT" \
		--templates "$LAB_TEMPLATES" --interface "$LAB_VS" \
		--interface "$LAB_S42" "${progs[@]}" >/dev/null || {
		lab_fail "could not start racknet run"
		return 1
	}
	LAB_RUN_PID=$NT_BG_PID
	nt_defer lab_server_stop
	lab__server_wait || return 1
	lab_done "racknet run (pid $LAB_RUN_PID) in $LAB_SRV_NS: racknet-dhcpd" \
		"(67), racknet-dnsd (53), racknet-tftpd (TFTP 69, HTTP 80) and" \
		"chronyd -x (123) as user $(lab__run_user); log $LAB_RUN_LOG"
}

# lab__listening NS PROTO PORT: something listens on PORT in NS.
lab__listening() {
	local opt=-lnu
	[ "$2" = tcp ] && opt=-lnt
	ip netns exec "$1" ss -H "$opt" "sport = :$3" | grep -q .
}

lab__run_user() {
	lab_rn status --json 2>/dev/null | jq -r '.user // "root"' 2>/dev/null
}

lab__server_wait() {
	local i want
	for ((i = 0; i < 100; i++)); do
		want=""
		lab__listening "$LAB_SRV_NS" udp 67 || want="$want DHCP(67)"
		lab__listening "$LAB_SRV_NS" udp 53 || want="$want DNS(53)"
		lab__listening "$LAB_SRV_NS" udp 69 || want="$want TFTP(69)"
		lab__listening "$LAB_SRV_NS" tcp 80 || want="$want HTTP(80)"
		lab__listening "$LAB_SRV_NS" udp 123 || want="$want NTP(123)"
		[ -z "$want" ] && return 0
		if ! nt_alive "$LAB_RUN_PID"; then
			lab_fail "racknet run exited; not listening:$want"
			tail -n 5 "$LAB_RUN_LOG" | sed 's/^/    /' >&2
			return 1
		fi
		sleep 0.1
	done
	lab_fail "after 10 s, still not listening:$want"
}

# lab_server_pids: racknet run's daemons' PIDs, from `racknet status`.
lab_server_pids() {
	lab_rn status --json 2>/dev/null |
		jq -r '.daemons[]? | select(.pid > 0) | .pid' 2>/dev/null
}

# lab_server_stop: SIGTERM to racknet run, which stops its daemons (5 s
# grace, then SIGKILL); wait up to 10 s for it.
lab_server_stop() {
	[ -n "$LAB_RUN_PID" ] || return 0
	local pid=$LAB_RUN_PID
	LAB_RUN_PID=""
	kill -TERM "$pid" 2>/dev/null || return 0
	nt_wait_for 10 eval "! nt_alive $pid"
}

# lab_tagged_client: dhclient on the tagged VLAN gets a lease (30 s).
lab_tagged_client() {
	lab_stage "VLAN 42 client"
	local ip
	dh_dhclient "$LAB_C42_NS" "$LAB_T42" "$LAB_C42_NAME" >/dev/null || {
		lab_fail "could not start dhclient"
		return 1
	}
	if ! nt_wait_for 30 grep -q '^bound' "$NT_LOGDIR/$LAB_C42_NAME.events"; then
		lab_fail "dhclient on $LAB_T42 got no lease in 30 s" \
			"(its log: $NT_LOGDIR/$LAB_C42_NAME.log)"
		return 1
	fi
	ip=$(dh_get "$LAB_C42_NAME" ip)
	lab_done "dhclient on $LAB_T42 (tagged 42, hostname $LAB_C42_NAME)" \
		"got $ip from VLAN 42's subnet"
}

# lab_vm_start NAME MAC FW: a VM (FW bios: SeaBIOS and the iPXE ROM of an
# e1000; uefi: OVMF and its own PXE on a virtio NIC without ROM) whose
# only NIC is a tap in the lab's bridge. qemu's command line is kept in
# LAB_DIR/vm/NAME.sh (to boot it again by hand), its serial console in
# logs/NAME-serial.log.
lab_vm_start() {
	local name=$1 mac=$2 fw=$3 tap serial pid
	local -a args
	lab_stage "VM $name"
	tap=$(nt_name "q$name") || return 1
	nt__run ip -n "$LAB_SW_NS" tuntap add dev "$tap" mode tap &&
		nt_link_master "$tap" "$LAB_BR" "$LAB_SW_NS" || {
		lab_fail "could not add the tap $tap to $LAB_BR"
		return 1
	}
	serial=$LAB_LOGS/$name-serial.log
	: >"$serial"
	args=(qemu-system-x86_64 -name "racknet-lab-$name" -accel "$LAB_ACCEL"
		-m 256 -nodefaults -nographic -monitor none -no-reboot
		-serial "file:$serial"
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no")
	case $fw in
	bios)
		args+=(-machine pc -boot n
			-device "e1000,netdev=n0,mac=$mac,romfile=$LAB_ROM")
		;;
	uefi)
		if [ ! -r "$LAB_OVMF_CODE" ] || [ ! -r "$LAB_OVMF_VARS" ]; then
			lab_fail "OVMF is not installed ($LAB_OVMF_CODE)"
			return 1
		fi
		cp "$LAB_OVMF_VARS" "$LAB_DIR/vm/$name-vars.fd" || return 1
		args+=(-machine q35
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=$LAB_OVMF_CODE"
			-drive "if=pflash,format=raw,unit=1,file=$LAB_DIR/vm/$name-vars.fd"
			-device "virtio-net-pci,netdev=n0,mac=$mac,romfile=")
		;;
	*)
		lab_fail "firmware '$fw' is neither bios nor uefi"
		return 1
		;;
	esac
	{
		echo "#!/bin/sh"
		echo "# The lab's VM $name, as the lab started it (needs the lab running)."
		printf '%q ' ip netns exec "$LAB_SW_NS" "${args[@]}"
		echo
	} >"$LAB_DIR/vm/$name.sh"
	LAB_VM_MAC[$name]=$mac
	LAB_VM_FW[$name]=$fw
	LAB_VM_IP[$name]=""
	LAB_VM_OK_MS[$name]=""
	LAB_VM_T0[$name]=$(lab__us)
	nt_bg "$LAB_SW_NS" "$LAB_LOGS/$name-qemu.log" "${args[@]}" >/dev/null || {
		lab_fail "could not start qemu"
		return 1
	}
	pid=$NT_BG_PID
	LAB_VM_PID[$name]=$pid
	lab_done "qemu (pid $pid, $fw, $LAB_ACCEL: $LAB_ACCEL_WHY) MAC $mac on" \
		"$tap; serial console in $serial"
}

# lab__ip_re IP: IP as an extended regex.
lab__ip_re() {
	echo "${1//./\\.}"
}

# lab__msg LINE: a daemon's log line without its time stamp and name.
lab__msg() {
	local l=${1%$'\r'}
	l=${l#* * }
	echo "${l#*: }"
}

# lab__vm_check NAME STAGE: STAGE of NAME's boot happened. Sets LAB__SAY
# (what to print).
LAB__SAY=""
lab__vm_check() {
	local name=$1 st=$2 mac=${LAB_VM_MAC[$1]} ip=${LAB_VM_IP[$1]} l n ipre
	local serial=$LAB_LOGS/$1-serial.log
	ipre=$(lab__ip_re "$ip")
	case $st in
	dhcp:*)
		n=${st#dhcp:}
		l=$(grep -a "DHCPACK [0-9.]* to $mac " "$LAB_DHCPD_LOG" 2>/dev/null |
			sed -n "${n}p")
		[ -n "$l" ] || return 1
		l=$(lab__msg "$l")
		ip=${l#DHCPACK }
		LAB_VM_IP[$name]=${ip%% *}
		LAB__SAY=$l
		;;
	tftp:*)
		l=$(grep -aF " RRQ ${st#tftp:}: " "$LAB_TFTPD_LOG" 2>/dev/null |
			grep -aE " $ipre:[0-9]+ RRQ .*: [0-9]+ bytes in " | head -n 1)
		[ -n "$l" ] || return 1
		LAB__SAY=$(lab__msg "$l")
		;;
	http)
		l=$(grep -aE " $ipre:[0-9]+ GET /boot\.ipxe\?mac=.*: 200, " \
			"$LAB_TFTPD_LOG" 2>/dev/null | head -n 1)
		[ -n "$l" ] || return 1
		LAB__SAY=$(lab__msg "$l")
		;;
	ok)
		l=$(grep -a "$LAB_OK_LINE" "$serial" | head -n 1)
		[ -n "$l" ] || return 1
		LAB__SAY="\"${l%$'\r'}\""
		;;
	noboot)
		l=$(grep -aE "Nothing to boot|No more network devices|No bootable device" \
			"$serial" | head -n 1)
		[ -n "$l" ] || return 1
		LAB__SAY="the console says \"${l%$'\r'}\""
		;;
	off)
		nt_alive "${LAB_VM_PID[$name]}" && return 1
		LAB__SAY="qemu exited: the script resets the VM and qemu runs"
		LAB__SAY+=" with -no-reboot (Debian's iPXE has no poweroff)"
		;;
	esac
}

lab__stage_name() {
	case $1 in
	dhcp:1) echo "DHCP" ;;
	dhcp:*) echo "DHCP again (now iPXE)" ;;
	tftp:*) echo "TFTP ${1#tftp:}" ;;
	http) echo "HTTP script" ;;
	ok) echo "success line" ;;
	noboot) echo "no boot file" ;;
	off) echo "power off" ;;
	esac
}

# lab__serial_tail NAME: the last lines of NAME's console, readable.
lab__serial_tail() {
	sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\x1b[c]//g' -e 's/\r//g' \
		-e 's/\x08//g' "$LAB_LOGS/$1-serial.log" | grep -a . |
		tail -n "${2:-8}" | sed 's/^/    | /' >&2
}

# lab_vm_watch NAME FLOW [SECS]: follow NAME's boot, one line per stage as
# it happens, for at most SECS (LAB_VM_TIMEOUT). FLOW is
#   bios   DHCP -> TFTP lab/stage1.ipxe -> HTTP script -> success -> off
#   uefi   DHCP -> TFTP ipxe.efi -> DHCP -> TFTP stage 1 -> HTTP -> success -> off
#   local  DHCP (no boot file) -> the firmware finds nothing to boot
# A VM that does not power itself off within 15 s of its success line
# is stopped (and the line says so).
lab_vm_watch() {
	local name=$1 flow=$2 secs=${3:-$LAB_VM_TIMEOUT} i=0 st t0 end now dt
	local -a stages
	case $flow in
	bios) stages=(dhcp:1 tftp:lab/stage1.ipxe http ok off) ;;
	uefi) stages=(dhcp:1 tftp:ipxe.efi dhcp:2 tftp:lab/stage1.ipxe http ok off) ;;
	local) stages=(dhcp:1 noboot) ;;
	*) lab_fail "unknown flow '$flow'"; return 1 ;;
	esac
	case $flow in
	bios) lab_say "VM $name: the NIC's iPXE ROM asks DHCP, gets" \
		"the ipxe entry (lab/stage1.ipxe over TFTP), which chains" \
		"$name's own script over HTTP" ;;
	uefi) lab_say "VM $name: OVMF's PXE asks DHCP, gets the uefi-x64" \
		"entry (ipxe.efi over TFTP); ipxe.efi asks DHCP again, gets" \
		"the ipxe entry (lab/stage1.ipxe over TFTP), which chains" \
		"$name's own script over HTTP" ;;
	local) lab_say "VM $name: boot profile local: DHCP gives no boot" \
		"file, so its iPXE ROM finds nothing to boot" ;;
	esac
	t0=${LAB_VM_T0[$name]}
	end=$((t0 + secs * 1000000))
	while [ "$i" -lt "${#stages[@]}" ]; do
		st=${stages[$i]}
		lab_stage "VM $name, $(lab__stage_name "$st")"
		now=$(lab__us)
		if lab__vm_check "$name" "$st"; then
			dt=$((now - t0))
			[ "$st" = ok ] && LAB_VM_OK_MS[$name]=$((dt / 1000))
			lab_done "+$(lab__secs "$dt")s $LAB__SAY"
			i=$((i + 1))
			[ "$st" = ok ] && end=$((now + 15000000))
			continue
		fi
		if [ "$now" -ge "$end" ] && [ "$st" = off ]; then
			lab_vm_stop "$name"
			lab_done "still running 15 s after its success line: the lab stopped it"
			break
		fi
		if [ "$now" -ge "$end" ]; then
			lab_fail "not seen within ${secs}s of the VM's start;" \
				"its console ends with:"
			lab__serial_tail "$name"
			return 1
		fi
		if ! nt_alive "${LAB_VM_PID[$name]}" && [ "$st" != off ]; then
			# Its last words may still be on their way to the log.
			sleep 0.5
			lab__vm_check "$name" "$st" && continue
			lab_fail "qemu exited first; its console ends with:"
			lab__serial_tail "$name"
			sed 's/^/    qemu: /' "$LAB_LOGS/$name-qemu.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

# lab_vm_stop NAME: stop NAME's qemu if it still runs.
lab_vm_stop() {
	local pid=${LAB_VM_PID[$1]:-}
	[ -n "$pid" ] || return 0
	nt_alive "$pid" || return 0
	nt_stop "$pid"
}

# lab__dig NAME [TYPE|-x]: dig +short at racknet-dnsd, from the server
# namespace; prints the command and the answer.
lab__dig() {
	local out
	out=$(timeout 10 ip netns exec "$LAB_SRV_NS" dig +short +time=2 +tries=2 \
		@"$LAB_SERVER" "$@" 2>&1 | paste -sd ' ')
	printf '  $ dig @%s %s +short\n      %s\n' "$LAB_SERVER" "$*" \
		"${out:-(no answer)}"
}

# lab_show VM...: what happened: leases, names, transfers, timings.
lab_show() {
	local vm ip name rn="racknet --db $LAB_DB"
	echo
	echo "== What happened"
	echo "  \$ $rn status"
	lab_rn status | sed 's/^/      /'
	echo
	echo "  \$ $rn lease list"
	lab_rn lease list | sed 's/^/      /'
	echo
	echo "  Names through racknet-dnsd (dig in $LAB_SRV_NS):"
	for vm in "$@"; do
		ip=${LAB_VM_IP[$vm]:-}
		[ -n "$ip" ] || continue
		lab__dig -x "$ip"
		name=$(timeout 10 ip netns exec "$LAB_SRV_NS" dig +short +time=2 \
			+tries=2 @"$LAB_SERVER" -x "$ip" 2>/dev/null | head -n 1)
		[ -n "$name" ] && lab__dig "$name" A
	done
	lab__dig node1.lab.internal A
	lab__dig "$LAB_C42_NAME.storage.lab.internal" A
	echo
	echo "  Transfers (racknet-tftpd's log, $LAB_TFTPD_LOG):"
	grep -aE ' (RRQ|GET|HEAD) ' "$LAB_TFTPD_LOG" | while read -r l; do
		echo "      $(lab__msg "$l")"
	done
	echo
	for vm in "$@"; do
		[ -n "${LAB_VM_OK_MS[$vm]:-}" ] || continue
		echo "  VM $vm (${LAB_VM_FW[$vm]}, $LAB_ACCEL): from qemu's start to" \
			"the success line: $(lab__secs $((LAB_VM_OK_MS[$vm] * 1000)))s"
	done
}

# lab_keep: leave everything running after this shell exits; write what
# lab_stop_kept needs to LAB_DIR/kept. netns.sh has no call to hand its
# state over yet, so this reads and writes its NT__* variables (see the
# suggested nt_detach / nt_adopt).
lab_keep() {
	if ! nt__resolv_same; then
		lab_fail "/etc/resolv.conf changed during the lab; not keeping it"
		return 1
	fi
	# The saved copy of /etc/resolv.conf is for this run only: a
	# kept lab must not put an old copy back when it is stopped.
	rm -rf -- "$NT__STATE/resolv"
	{
		echo "state=$NT__STATE"
		echo "prefix=$NT__PREFIX"
		echo "run_state=$LAB_STATE"
		echo "pid=$$"
	} >"$LAB_DIR/kept" || return 1
	trap - EXIT INT TERM HUP
	# shellcheck disable=SC2034 # netns.sh's: nothing to run at exit
	NT__DEFER=()
}

# lab_stop_kept DIR: stop the lab lab_keep left in DIR (LAB_DIR/kept):
# every process it started, its namespaces, chronyd's folder. False if
# DIR has none, or if something could not be stopped or removed.
lab_stop_kept() {
	local f=$1/kept state="" prefix="" run_state="" k v
	[ -f "$f" ] || return 1
	while IFS='=' read -r k v; do
		case $k in
		state) state=$v ;;
		prefix) prefix=$v ;;
		run_state) run_state=$v ;;
		esac
	done <"$f"
	if [ ! -d "$state" ] || ! [[ $prefix =~ ^r[0-9a-f]+-$ ]] ||
		[ ! -f "$state/netns" ]; then
		echo "lab: $f names no lab state; removing it" >&2
		rm -f -- "$f"
		return 1
	fi
	NT__PID=$$ NT__STATE=$state NT__PREFIX=$prefix
	nt_cleanup
	local rc=$?
	rm -rf -- "$state"
	case $run_state in
	/run/racknet-"$prefix"lab) rm -rf -- "$run_state" ;;
	esac
	# shellcheck disable=SC2034 # netns.sh's
	NT__PID="" NT__STATE="" NT__PREFIX=""
	rm -f -- "$f"
	return "$rc"
}
