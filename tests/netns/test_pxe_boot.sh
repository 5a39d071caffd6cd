#!/bin/bash
#
# The PXE path end to end, as README's lab runs it (tests/lib/lab.sh):
# racknet's daemons in a server namespace, VMs (qemu, KVM where it works,
# else TCG) whose only NIC is a tap in the lab's bridge.
#
#   srv: racknet run --chrony-no-clock: racknet-dhcpd, racknet-dnsd,
#        racknet-tftpd (TFTP, HTTP :80), chronyd -x
#    |   bootfile ipxe = tftp://${server}/lab/stage1.ipxe
#   sw:  bridge --- tap --- VM
#    |
#   c42: dhclient on tagged VLAN 42
#
# Shown:
# - BIOS: SeaBIOS and the NIC's iPXE ROM: DHCP -> lab/stage1.ipxe over
#   TFTP -> the machine's script rendered by racknet-tftpd over HTTP ->
#   the success line on the serial console -> the VM powers itself off.
#   The iPXE client got the script URL (dhcpd's log), never a binary
#   (tftpd's log).
# - UEFI (OVMF): its own PXE gets the uefi-x64 file, ipxe.efi, over TFTP
#   (the arch-specific choice); ipxe.efi asks DHCP again and gets the
#   script URL, not ipxe.efi again; then the same chain. Skipped, saying
#   why, if OVMF is missing or never reaches DHCP in time here.
# - A host whose boot profile is "local" gets no boot file: the ACK
#   says so, its iPXE finds nothing to boot, tftpd never hears from it.
# - The VM's lease in `racknet lease list`, its name through dnsd (dig).
# - Stopping racknet run (SIGTERM) stops every daemon; removing the lab
#   leaves no process and no namespace.
#
# Needs root, qemu-system-x86, ipxe-qemu, ipxe, ovmf, dig, dhclient;
# RACKNET, RACKNET_DHCPD, RACKNET_DNSD, RACKNET_TFTPD and VLAN_TAGGER
# (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
# shellcheck source=tests/lib/lab.sh
source "$here/../lib/lab.sh"
nt_init
LAB_DIR=$NT_LOGDIR/lab
lab_init
lab_net
lab_ipam
lab_bootfiles

MAC_BIOS=52:54:00:00:0b:01
MAC_UEFI=52:54:00:00:0e:01
MAC_LOCAL=52:54:00:00:0d:01
lab_host vm1 "$MAC_BIOS" lab
lab_host vm2 "$MAC_UEFI" lab
lab_host vm3 "$MAC_LOCAL" local
lab_server_start
lab_tagged_client
echo "accelerator: $LAB_ACCEL ($LAB_ACCEL_WHY)"

# acks MAC: dhcpd's DHCPACK lines for MAC, without time stamps.
acks() {
	grep -a "DHCPACK [0-9.]* to $1 " "$LAB_DHCPD_LOG" | while read -r l; do
		lab__msg "$l"
	done
}
# tftp_lines IP: tftpd's transfer lines for IP.
tftp_lines() {
	grep -aE " $(lab__ip_re "$1"):[0-9]+ (RRQ|GET|HEAD) " "$LAB_TFTPD_LOG" || :
}
# ack_ip MAC N: the address of the Nth ACK for MAC.
ack_ip() {
	local l
	l=$(acks "$1" | sed -n "${2}p")
	l=${l#DHCPACK }
	echo "${l%% *}"
}
# Nth ACK for MAC says TEXT.
ack_says() {
	local l
	l=$(acks "$1" | sed -n "${2}p")
	echo "   ACK $2: ${l:-(none)}"
	[[ $l == *"$3"* ]]
}
# IP fetched FILE over TFTP, completely, exactly N times.
fetched_times() {
	local n
	n=$(tftp_lines "$1" | grep -acE " RRQ $2: [0-9]+ bytes in ") || :
	echo "   $2 fetched $n time(s) by $1"
	[ "$n" -eq "$3" ]
}
# IP never asked for FILE.
never_asked() {
	local l
	l=$(tftp_lines "$1" | grep -aF " $2" || :)
	[ -z "$l" ] || echo "   $l"
	[ -z "$l" ]
}
# ipxe.efi was sent once, whoever asked (OVMF and iPXE may have two
# addresses): the iPXE it started was not given it again.
efi_once() {
	local n
	n=$(grep -acE ' (RRQ /?ipxe\.efi: [0-9]+ bytes in|GET /ipxe\.efi: 200)' \
		"$LAB_TFTPD_LOG") || :
	echo "   ipxe.efi sent $n time(s)"
	[ "$n" -eq 1 ]
}
# IP asked for none of the iPXE binaries.
no_binary() {
	local l
	l=$(tftp_lines "$1" | grep -aE " (RRQ|GET) /?(undionly\.kpxe|ipxe\.efi)" || :)
	[ -z "$l" ] || echo "   $l"
	[ -z "$l" ]
}
# The VM's name through racknet-dnsd: PTR, then A back to the address.
name_resolves() {
	local ip=$1 name back
	name=$(ip netns exec "$LAB_SRV_NS" dig +short +time=2 +tries=2 \
		@"$LAB_SERVER" -x "$ip" | head -n 1)
	back=$(ip netns exec "$LAB_SRV_NS" dig +short +time=2 +tries=2 \
		@"$LAB_SERVER" "$name" A | head -n 1)
	echo "   $ip -> ${name:-?} -> ${back:-?}"
	[ -n "$name" ] && [ "$back" = "$ip" ]
}
in_lease_list() {
	lab_rn lease list --json | jq -e --arg ip "$1" --arg mac "$2" \
		'any(.[]; .ip == $ip and .mac == $mac and .status == "active")' \
		>/dev/null
}

# ---- BIOS: the NIC's iPXE ROM ----
bios_boot() {
	lab_vm_start vm1 "$MAC_BIOS" bios && lab_vm_watch vm1 bios
}
nt_check "BIOS: DHCP, TFTP stage 1, HTTP script, success line, power off" bios_boot
IP1=${LAB_VM_IP[vm1]}
nt_check "BIOS: the iPXE ROM got the script URL from DHCP (the ipxe entry)" \
	ack_says "$MAC_BIOS" 1 "boot tftp://$LAB_SERVER/lab/stage1.ipxe (ipxe)"
nt_check "BIOS: it fetched lab/stage1.ipxe once and no iPXE binary" \
	eval "fetched_times '$IP1' lab/stage1.ipxe 1 && no_binary '$IP1'"
nt_check "BIOS: its lease ($IP1) is in racknet lease list" \
	in_lease_list "$IP1" "$MAC_BIOS"
nt_check "BIOS: its name resolves through racknet-dnsd, both ways" \
	name_resolves "$IP1"

# ---- UEFI: OVMF's PXE, then ipxe.efi ----
uefi_skip=""
if [ ! -r "$LAB_OVMF_CODE" ] || [ ! -r "$LAB_OVMF_VARS" ]; then
	uefi_skip="OVMF is not installed ($LAB_OVMF_CODE)"
else
	lab_vm_start vm2 "$MAC_UEFI" uefi
	if ! lab_vm_watch vm2 uefi 150 && [ -z "$(acks "$MAC_UEFI")" ]; then
		uefi_skip="OVMF did not reach DHCP within 150 s here"
	fi
	lab_vm_stop vm2
fi
if [ -n "$uefi_skip" ]; then
	echo "SKIP: UEFI part: $uefi_skip"
else
	# OVMF and iPXE may get different addresses: iPXE sends a client
	# identifier, OVMF does not, so DHCP sees two clients.
	IP2=$(ack_ip "$MAC_UEFI" 1)
	IP2B=$(ack_ip "$MAC_UEFI" 2)
	nt_check "UEFI: OVMF booted to the success line" \
		test -n "${LAB_VM_OK_MS[vm2]}"
	nt_check "UEFI: OVMF's PXE (arch 7) was given the uefi-x64 file, ipxe.efi" \
		ack_says "$MAC_UEFI" 1 "boot ipxe.efi (uefi-x64)"
	nt_check "UEFI: it fetched ipxe.efi over TFTP, completely, once" \
		fetched_times "$IP2" ipxe.efi 1
	nt_check "UEFI: it never asked for the BIOS file (undionly.kpxe)" \
		never_asked "$IP2" undionly.kpxe
	nt_check "UEFI: ipxe.efi then got the script URL, not ipxe.efi again" \
		ack_says "$MAC_UEFI" 2 "boot tftp://$LAB_SERVER/lab/stage1.ipxe (ipxe)"
	nt_check "UEFI: iPXE fetched lab/stage1.ipxe once" \
		fetched_times "$IP2B" lab/stage1.ipxe 1
	nt_check "UEFI: ipxe.efi went out once in the whole run" efi_once
fi

# ---- boot profile local: no boot file ----
local_boot() {
	lab_vm_start vm3 "$MAC_LOCAL" bios && lab_vm_watch vm3 local 90
}
nt_check "local: the VM got an address and found nothing to boot" local_boot
lab_vm_stop vm3
IP3=${LAB_VM_IP[vm3]}
nt_check "local: the ACK says no boot file, boot profile local" \
	ack_says "$MAC_LOCAL" 1 "no boot file (ipxe): boot profile local"
nt_check "local: racknet-tftpd never heard from it" \
	eval "[ -z \"\$(tftp_lines '$IP3')\" ]"

# ---- clean shutdown ----
# SIGTERM to racknet run: it stops every daemon, then itself.
daemons_stop() {
	local pids pid run=$LAB_RUN_PID
	pids=$(lab_server_pids | tr '\n' ' ')
	echo "   racknet run $run, its daemons: $pids"
	[ -n "$pids" ] || return 1
	lab_server_stop || return 1
	for pid in $run $pids; do
		if nt_alive "$pid"; then
			echo "   pid $pid still runs"
			return 1
		fi
	done
}
nt_check "racknet run and its daemons stop on SIGTERM" daemons_stop
PFX=${LAB_SRV_NS%srv}
nothing_left() {
	local left
	nt_cleanup || return 1
	left=$(ip netns list | grep "^$PFX" || :)
	[ -z "$left" ] || { echo "   namespaces left: $left"; return 1; }
	left=$(pgrep -af "$LAB_DIR|$LAB_STATE" || :)
	[ -z "$left" ] || { echo "   processes left: $left"; return 1; }
	[ ! -e "$LAB_STATE" ] || { echo "   $LAB_STATE is left"; return 1; }
	! compgen -G "/etc/netns/$PFX*" >/dev/null
}
nt_check "clean shutdown: no process, no namespace, no state left" nothing_left
nt_summary
