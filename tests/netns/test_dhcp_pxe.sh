#!/bin/bash
#
# Boot selection in racknet-dhcpd, seen by a real client: busybox udhcpc
# posing as each kind of network-boot firmware (vendor class -V, option 93
# and iPXE's user class or option 175 as raw -x options), its hook
# recording siaddr, the BOOTP file field and options 43, 60, 66 and 67.
#
#   srv: vs 10.20.0.2/24, racknet-dhcpd
#    |
#   sw: br ---- c: udhcpc, a new MAC for each kind of client
#
# BIOS PXE gets undionly.kpxe with siaddr, 66, 60 "PXEClient" echoed and
# 43 PXE_DISCOVERY_CONTROL; UEFI x64 ipxe.efi (with 43 too: EDK2 needs
# it); ARM64 bootaa64.efi; UEFI
# HTTP an http:// URL with our address and 60 "HTTPClient"; iPXE (user
# class, plain or RFC 3004 framed, or option 175) the script URL, never
# the binary again; a host with boot profile local and a plain client no
# boot file. Then, without restarting dhcpd: boot-http-port, a subnet's
# own row, a global row and a boot profile's --bootfile take effect.
#
# Needs root, iproute2, jq, busybox; RACKNET and RACKNET_DHCPD (ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/dhcp.sh
source "$here/../lib/dhcp.sh"
nt_init
dh_init

# ---- IPAM ----
CIDR=10.20.0.0/24
SRVIP=10.20.0.2
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add "$CIDR" --vlan lab/0 --gateway 10.20.0.1 >/dev/null
rn range add "$CIDR" 10.20.0.100 10.20.0.199 --type dynamic >/dev/null
rn setting set dhcp-ping-check off >/dev/null
rn boot-profile add os --kernel os/vmlinuz >/dev/null
rn host add disk --mac 02:00:00:20:00:10 --boot local >/dev/null
rn host add node --mac 02:00:00:20:00:11 --boot os >/dev/null

# ---- the lab ----
SRV=$(nt_netns_add srv)
SW=$(nt_netns_add sw)
BR=$(nt_bridge_add br "$SW")
VS=$(nt_bridge_port "$SRV" vs ps "$BR" "$SW")
nt_addr_add "$VS" "$SRVIP/24" "$SRV"
CNS=$(nt_netns_add c)
CIF=$(nt_bridge_port "$CNS" vc pc "$BR" "$SW")

SRVLOG=$NT_LOGDIR/dhcpd.log
SRVPID=$(DH_LOG_LEVEL=info dh_server_start "$SRV" "$SRVLOG")
nt_defer dh_server_stop "$SRVPID"
nt_check "racknet-dhcpd is running" dh_server_up "$SRVPID" "$SRVLOG"

# The client's hook: on bound, record what a boot loader would read, one
# KEY=VALUE a line; busybox names the BOOTP fields siaddr and boot_file,
# options 60, 66 and 67 vendor, tftp and bootfile, and one it has no name
# for optNN (hex), when asked for with -O.
HOOK=$DH_BIN/hook-pxe
cat >"$HOOK" <<EOF
#!/bin/sh
# Hook of the racknet PXE test client: record, configure nothing.
OUT=$NT_LOGDIR/pxe
EOF
cat >>"$HOOK" <<'EOF'
[ "$1" = bound ] || exit 0
{
	echo "ip=${ip:-}"
	echo "siaddr=${siaddr:-}"
	echo "boot_file=${boot_file:-}"
	echo "tftp=${tftp:-}"
	echo "bootfile=${bootfile:-}"
	echo "opt43=${opt43:-}"
	echo "vendor=${vendor:-}"
} >"$OUT.tmp" && mv -f "$OUT.tmp" "$OUT.last"
EOF
chmod 755 "$HOOK"

N=0
# pxe MAC [UDHCPC-ARGS]: one DHCP exchange from MAC; the hook's record in
# $NT_LOGDIR/pxe.last (removed first, so a failed run leaves none).
pxe() {
	local mac=$1
	shift
	N=$((N + 1))
	rm -f "$NT_LOGDIR/pxe.last"
	nt__run ip -n "$CNS" link set dev "$CIF" down &&
		dh_set_mac "$CNS" "$CIF" "$mac" &&
		nt__run ip -n "$CNS" link set dev "$CIF" up || return 1
	timeout 30 ip netns exec "$CNS" busybox udhcpc -f -q -n -i "$CIF" \
		-s "$HOOK" -t 10 -T 1 -O 43 -O 66 -O 67 "$@" \
		>>"$NT_LOGDIR/udhcpc-$N.log" 2>&1 || {
		echo "   udhcpc $* got no lease (log: udhcpc-$N.log)"
		return 1
	}
	[ -s "$NT_LOGDIR/pxe.last" ]
}

got() {		# got KEY: KEY from the last exchange
	local line
	line=$(grep -m1 "^$1=" "$NT_LOGDIR/pxe.last" 2>/dev/null) || return 0
	echo "${line#*=}"
}

# hex TEXT: TEXT in hex, for udhcpc's raw options (-x 0xNN:HEX).
hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# boot_is WHAT FILE: the boot file the last client got, in the BOOTP file
# field and option 67 alike, and siaddr and option 66 our address (or no
# boot file at all, nor siaddr, 66, 60 or 43, when FILE is "").
boot_is() {
	local rc=0
	dh_same "$1: file field" "$(got boot_file)" "$2" || rc=1
	dh_same "$1: option 67" "$(got bootfile)" "$2" || rc=1
	if [ -n "$2" ]; then
		dh_same "$1: siaddr" "$(got siaddr)" "$SRVIP" || rc=1
		dh_same "$1: option 66" "$(got tftp)" "$SRVIP" || rc=1
	else
		case $(got siaddr) in "" | 0.0.0.0) ;; *)
			echo "   $1: siaddr $(got siaddr) without a boot file"
			rc=1 ;;
		esac
		dh_same "$1: option 66" "$(got tftp)" "" || rc=1
		dh_same "$1: option 60" "$(got vendor)" "" || rc=1
		dh_same "$1: option 43" "$(got opt43)" "" || rc=1
	fi
	return "$rc"
}

# What each kind of firmware sends.
BIOS=(-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000)
UEFI=(-V PXEClient:Arch:00007:UNDI:003016 -x 0x5d:0007)
ARM64=(-V PXEClient:Arch:00011:UNDI:003016 -x 0x5d:000b)
HTTP=(-V HTTPClient:Arch:00016:UNDI:003001 -x 0x5d:0010)
IPXE=(-V PXEClient:Arch:00000:UNDI:002001 -x 0x5d:0000 -x "0x4d:$(hex iPXE)")

# ---- the defaults, by architecture ----
nt_check "BIOS PXE client got a lease" pxe 02:00:00:20:00:01 "${BIOS[@]}"
nt_check "BIOS PXE: undionly.kpxe, siaddr and option 66 ours" \
	boot_is bios undionly.kpxe
nt_check "BIOS PXE: option 60 PXEClient echoed" \
	dh_same "option 60" "$(got vendor)" PXEClient
nt_check "BIOS PXE: option 43 PXE_DISCOVERY_CONTROL = 8" \
	dh_same "option 43" "$(got opt43)" 060108ff
nt_check "dhcpd logged the boot file it sent" \
	grep -q "DHCPACK .* to 02:00:00:20:00:01 .* boot undionly.kpxe (bios)" \
	"$SRVLOG"

nt_check "UEFI x64 client got a lease" pxe 02:00:00:20:00:02 "${UEFI[@]}"
nt_check "UEFI x64: ipxe.efi" boot_is uefi-x64 ipxe.efi
nt_check "UEFI x64: PXEClient echoed, and option 43 (EDK2 would ask BINL)" \
	eval "[ '$(got vendor)' = PXEClient ] && [ '$(got opt43)' = 060108ff ]"

nt_check "ARM64 UEFI client got a lease" pxe 02:00:00:20:00:03 "${ARM64[@]}"
nt_check "ARM64 UEFI: bootaa64.efi" boot_is uefi-arm64 bootaa64.efi

nt_check "UEFI HTTP client got a lease" pxe 02:00:00:20:00:04 "${HTTP[@]}"
nt_check "UEFI HTTP: http://$SRVIP/ipxe.efi" \
	boot_is uefi-http "http://$SRVIP/ipxe.efi"
nt_check "UEFI HTTP: option 60 HTTPClient echoed, no option 43" eval \
	"[ '$(got vendor)' = HTTPClient ] && [ -z '$(got opt43)' ]"

nt_check "iPXE client (user class iPXE) got a lease" \
	pxe 02:00:00:20:00:05 "${IPXE[@]}"
nt_check "iPXE: the script URL, not the binary again" \
	boot_is ipxe "http://$SRVIP/boot.ipxe"
nt_check "iPXE: no option 43" dh_same "option 43" "$(got opt43)" ""
nt_check "dhcpd logged the script it sent" \
	grep -q "to 02:00:00:20:00:05 .* boot http://$SRVIP/boot.ipxe (ipxe)" \
	"$SRVLOG"
nt_check "iPXE, RFC 3004 framed user class: the script URL" eval \
	"pxe 02:00:00:20:00:06 ${BIOS[*]} -x 0x4d:04$(hex iPXE) &&
	 boot_is ipxe-3004 http://$SRVIP/boot.ipxe"
nt_check "iPXE, option 175 only: the script URL" eval \
	"pxe 02:00:00:20:00:07 ${UEFI[*]} -x 0xaf:150101 &&
	 boot_is ipxe-175 http://$SRVIP/boot.ipxe"

nt_check "a plain client got a lease" pxe 02:00:00:20:00:08
nt_check "a plain client: no boot file, nothing PXE" boot_is plain ""

nt_check "host 'disk' (boot profile local), BIOS PXE, got a lease" \
	pxe 02:00:00:20:00:10 "${BIOS[@]}"
nt_check "boot profile local: no boot file" boot_is local ""
nt_check "its iPXE gets nothing either" eval \
	"pxe 02:00:00:20:00:10 ${IPXE[*]} && boot_is local-ipxe ''"
nt_check "dhcpd logged why" \
	grep -q "to 02:00:00:20:00:10 .* no boot file (bios): boot profile local" \
	"$SRVLOG"

# ---- changes, picked up without a restart ----
# The table comes with dhcpd's view, reloaded within a second of a change;
# a boot profile is read per request.
boot_becomes() {	# boot_becomes MAC FILE ARGS...: within 10 s
	local mac=$1 want=$2
	shift 2
	nt_wait_for 10 eval "pxe $mac $* && [ \"\$(got boot_file)\" = '$want' ]" ||
		{ echo "   still '$(got boot_file)', want '$want'"; return 1; }
	boot_is "$mac" "$want"
}

rn setting set boot-http-port 8080 >/dev/null
nt_check "boot-http-port 8080: the UEFI HTTP URL has the port" \
	boot_becomes 02:00:00:20:00:04 "http://$SRVIP:8080/ipxe.efi" "${HTTP[*]}"
nt_check "... and the iPXE script URL too" \
	boot_becomes 02:00:00:20:00:05 "http://$SRVIP:8080/boot.ipxe" "${IPXE[*]}"

rn bootfile set bios 'lpxelinux.0' --subnet "$CIDR" >/dev/null
rn bootfile set bios pxelinux.0 >/dev/null
nt_check "a subnet's own row beats the global one" \
	boot_becomes 02:00:00:20:00:01 lpxelinux.0 "${BIOS[*]}"
rn bootfile rm bios --subnet "$CIDR" >/dev/null
nt_check "its rm goes back to the global row" \
	boot_becomes 02:00:00:20:00:01 pxelinux.0 "${BIOS[*]}"
# shellcheck disable=SC2016 # ${server} is dhcpd's to expand
rn bootfile set uefi-x64 'tftp://${server}/snponly.efi' --subnet "$CIDR" >/dev/null
nt_check "\${server} is our address on the client's subnet" \
	boot_becomes 02:00:00:20:00:02 "tftp://$SRVIP/snponly.efi" "${UEFI[*]}"

nt_check "host 'node' (profile os, no bootfile): the table's entry" eval \
	"pxe 02:00:00:20:00:11 ${UEFI[*]} &&
	 boot_is node tftp://$SRVIP/snponly.efi"
rn boot-profile set os --bootfile os/grubx64.efi >/dev/null
nt_check "profile --bootfile: its file at once" eval \
	"pxe 02:00:00:20:00:11 ${UEFI[*]} && boot_is node os/grubx64.efi"
nt_check "dhcpd logged the profile" \
	grep -q "to 02:00:00:20:00:11 .* boot os/grubx64.efi (uefi-x64, profile os)" \
	"$SRVLOG"
nt_check "... over HTTP boot, as a URL" eval \
	"pxe 02:00:00:20:00:11 ${HTTP[*]} &&
	 boot_is node-http http://$SRVIP:8080/os/grubx64.efi"
nt_check "... but its iPXE still gets the script" eval \
	"pxe 02:00:00:20:00:11 ${IPXE[*]} &&
	 boot_is node-ipxe http://$SRVIP:8080/boot.ipxe"
rn host set disk --boot os >/dev/null
nt_check "host 'disk' moved from local to os: it boots os/grubx64.efi" eval \
	"pxe 02:00:00:20:00:10 ${BIOS[*]} && boot_is disk os/grubx64.efi"

nt_check "racknet-dhcpd is still running (never restarted)" nt_alive "$SRVPID"
nt_check "racknet-dhcpd started once" \
	eval "[ \$(grep -c 'serving DHCPv4' '$SRVLOG') -eq 1 ]"

nt_summary
