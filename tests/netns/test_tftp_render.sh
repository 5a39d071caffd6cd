#!/bin/bash
#
# racknet-tftpd rendering per-machine boot files from IPAM, fetched over
# TFTP (tftp-hpa, busybox) and HTTP (curl) from a client namespace:
#
#   srv: vs 10.69.0.1/24: racknet-tftpd (TFTP :69, HTTP :8080)
#    |
#   cli: vc 10.69.0.10/24 (a host "self" in IPAM has this address)
#
# The test's templates render one "NAME=VALUE" line per variable after a
# "kind=..." line, so every value can be read back (tf_var).
#
# Shown: a host added with `racknet host add` gets, at once, its own
# pxelinux.cfg/01-<mac>, pxelinux.cfg/<HEXIP>, grub/grub.cfg-<mac> (colons,
# dashes, 01-), grub/grub.cfg-<ip> (dotted, hex), ipxe/<mac> and
# boot.ipxe?mac=<mac>, over TFTP and HTTP, with its hostname, domain, ip,
# mac, arch and its boot profile's kernel, initrd and command line; the
# names pxelinux asks for without a MAC (default, hex prefixes) and
# grub.cfg and boot.ipxe are for the asking client; an unknown MAC gets
# the "unknown" profile; a host with --boot local gets the -local
# templates; a profile change shows at once; a real file under the root
# wins; a template edited on disk is picked up; a broken template gives
# a TFTP error (HTTP 5xx) and a log line naming it, while everything else
# is still served; the shipped templates (tftpd/templates) render too.
#
# Needs root, iproute2, jq, perl, tftp-hpa, atftp, curl, busybox;
# RACKNET and RACKNET_TFTPD (set by ctest).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/netns.sh
source "$here/../lib/netns.sh"
# shellcheck source=tests/lib/tftp.sh
source "$here/../lib/tftp.sh"
nt_init
tf_init
tf_lab
SHIPPED=$here/../../tftpd/templates

D=lab.test
MAC1=52:54:00:69:00:01
MAC1D=${MAC1//:/-}
MAC2=52:54:00:69:00:02
MAC3=52:54:00:69:00:03
MACX=52:54:00:69:00:99		# IPAM knows no such machine
HTTP=http://$TF_SERVER:$TF_HTTP_PORT

# ---- IPAM: a domain, a subnet, boot profiles ----
rn setting set default-domain "$D" >/dev/null
rn domain add "$D" >/dev/null
rn fabric add lab >/dev/null
rn vlan add lab 0 >/dev/null
rn subnet add 10.69.0.0/24 --vlan lab/0 --domain "$D" >/dev/null
rn boot-profile add ubuntu --kernel ubuntu/vmlinuz \
	--initrd ubuntu/initrd.img --cmdline "console=ttyS0 ip=dhcp quiet" >/dev/null
rn boot-profile add unknown --kernel enlist/vmlinuz \
	--initrd enlist/initrd.img --cmdline "racknet.enlist=1" >/dev/null
rn boot-profile add local >/dev/null
rn host add self --mac 52:54:00:69:00:10 --ip "$TF_CLIENT" --boot ubuntu >/dev/null

tf_templates
# Without busy polling, so the plain event loop is covered too (the other
# TFTP tests run with the default window).
tf_start --busy-poll 0
nt_check "racknet-tftpd is running" nt_alive "$TF_PID"

# ---- reading rendered files ----
GOT=$TF_DIR/got/rendered
# vars_are FILE NAME=VALUE...: each variable rendered as expected.
vars_are() {
	local f=$1 kv name want got rc=0
	shift
	for kv in "$@"; do
		name=${kv%%=*} want=${kv#*=}
		got=$(tf_var "$f" "$name")
		if [ "$got" != "$want" ]; then
			echo "   $name: got '$got', want '$want'"
			rc=1
		fi
	done
	[ "$rc" -eq 0 ] || sed 's/^/      | /' "$f"
	return "$rc"
}
# tftp_render TOOL PATH NAME=VALUE...: fetch PATH over TFTP, check it.
tftp_render() {
	local tool=$1 path=$2
	shift 2
	if ! tf_get "$tool" "$path" "$GOT"; then
		echo "   $tool get $path: exit status $TF_RC"
		tf_show
		return 1
	fi
	vars_are "$GOT" "$@"
}
# http_render PATH NAME=VALUE...: GET PATH, 200, check it.
http_render() {
	local path=$1
	shift
	if ! tf_http "$path" || [ "$TF_HTTP_CODE" != 200 ]; then
		echo "   GET /$path: curl status $TF_RC, HTTP $TF_HTTP_CODE"
		tf_show
		return 1
	fi
	cp "$TF_DIR/got/http.body" "$GOT"
	vars_are "$GOT" "$@"
}

# ---- a new host, at once ----
rn host add node1 --mac "$MAC1" --ip 10.69.0.21 --boot ubuntu \
	--arch uefi-x64 >/dev/null
NODE1=(hostname=node1 "domain=$D" "fqdn=node1.$D" ip=10.69.0.21 "mac=$MAC1"
	"mac_dash=$MAC1D" arch=uefi-x64 profile=ubuntu kernel=ubuntu/vmlinuz
	initrd=ubuntu/initrd.img "cmdline=console=ttyS0 ip=dhcp quiet"
	"server=$TF_SERVER" "http=$HTTP")
nt_check "right after racknet host add: pxelinux.cfg/01-$MAC1D over TFTP (hpa), every value" \
	tftp_render hpa "pxelinux.cfg/01-$MAC1D" kind=pxelinux "${NODE1[@]}"
nt_check "busybox: the same file" \
	tftp_render busybox "pxelinux.cfg/01-$MAC1D" kind=pxelinux "${NODE1[@]}"
nt_check "pxelinux.cfg/0A450015 (its IP in hex)" \
	tftp_render hpa pxelinux.cfg/0A450015 kind=pxelinux "${NODE1[@]}"
nt_check "pxelinux.cfg/0a450015 (lower case hex)" \
	tftp_render hpa pxelinux.cfg/0a450015 kind=pxelinux hostname=node1
nt_check "pxelinux.cfg/01-${MAC1D^^} (upper case MAC)" \
	tftp_render hpa "pxelinux.cfg/01-${MAC1D^^}" kind=pxelinux hostname=node1
nt_check "grub/grub.cfg-$MAC1 (colons)" \
	tftp_render hpa "grub/grub.cfg-$MAC1" kind=grub "${NODE1[@]}"
nt_check "grub/grub.cfg-$MAC1D (dashes)" \
	tftp_render busybox "grub/grub.cfg-$MAC1D" kind=grub hostname=node1
nt_check "grub/grub.cfg-01-$MAC1D" \
	tftp_render hpa "grub/grub.cfg-01-$MAC1D" kind=grub hostname=node1
nt_check "grub/grub.cfg-10.69.0.21 (its IP)" \
	tftp_render hpa grub/grub.cfg-10.69.0.21 kind=grub "${NODE1[@]}"
nt_check "grub/grub.cfg-0A450015 (its IP in hex)" \
	tftp_render hpa grub/grub.cfg-0A450015 kind=grub hostname=node1
nt_check "ipxe/$MAC1 over TFTP" \
	tftp_render hpa "ipxe/$MAC1" kind=ipxe "${NODE1[@]}"
nt_check "ipxe/$MAC1.ipxe over TFTP" \
	tftp_render busybox "ipxe/$MAC1.ipxe" kind=ipxe hostname=node1
nt_check "boot.ipxe?mac=$MAC1 over TFTP (the query in the file name)" \
	tftp_render hpa "boot.ipxe?mac=$MAC1" kind=ipxe "${NODE1[@]}"

nt_check "HTTP: pxelinux.cfg/01-$MAC1D" \
	http_render "pxelinux.cfg/01-$MAC1D" kind=pxelinux "${NODE1[@]}"
nt_check "HTTP: grub/grub.cfg-$MAC1" \
	http_render "grub/grub.cfg-$MAC1" kind=grub "${NODE1[@]}"
nt_check "HTTP: grub/grub.cfg-10.69.0.21" \
	http_render grub/grub.cfg-10.69.0.21 kind=grub "${NODE1[@]}"
nt_check "HTTP: boot.ipxe?mac=$MAC1" \
	http_render "boot.ipxe?mac=$MAC1" kind=ipxe "${NODE1[@]}"
nt_check "HTTP: boot.ipxe?mac=${MAC1D^^} (dashes, upper case)" \
	http_render "boot.ipxe?mac=${MAC1D^^}" kind=ipxe hostname=node1
nt_check "HTTP: ipxe/$MAC1" http_render "ipxe/$MAC1" kind=ipxe "${NODE1[@]}"
nt_check "HTTP: a rendered file has its Content-Length" \
	eval "tf_http 'pxelinux.cfg/01-$MAC1D' &&
		[ \"\$(tf_http_header Content-Length)\" = \"\$(stat -c %s $TF_DIR/got/http.body)\" ]"

# ---- names for the asking client (10.69.0.10, host "self") ----
SELF=(hostname=self "ip=$TF_CLIENT" profile=ubuntu kernel=ubuntu/vmlinuz)
nt_check "pxelinux.cfg/default is the asking client's (self)" \
	tftp_render hpa pxelinux.cfg/default kind=pxelinux "${SELF[@]}"
nt_check "pxelinux.cfg/0A45 (a prefix of the client's IP) is the client's" \
	tftp_render hpa pxelinux.cfg/0A45 kind=pxelinux "${SELF[@]}"
nt_check "pxelinux.cfg/0B (a prefix of another IP) -> ERROR 1" \
	tf_expect_error hpa pxelinux.cfg/0B 1
nt_check "grub/grub.cfg is the client's" \
	tftp_render hpa grub/grub.cfg kind=grub "${SELF[@]}"
nt_check "HTTP: boot.ipxe without a MAC is the client's" \
	http_render boot.ipxe kind=ipxe "${SELF[@]}"

# ---- an unknown MAC: the unknown profile ----
UNK=(profile=unknown kernel=enlist/vmlinuz initrd=enlist/initrd.img
	cmdline=racknet.enlist=1 "mac=$MACX" hostname= ip= "server=$TF_SERVER")
nt_check "an unknown MAC: pxelinux.cfg/01-${MACX//:/-} has the unknown profile" \
	tftp_render hpa "pxelinux.cfg/01-${MACX//:/-}" kind=pxelinux "${UNK[@]}"
nt_check "an unknown MAC: grub/grub.cfg-$MACX" \
	tftp_render busybox "grub/grub.cfg-$MACX" kind=grub "${UNK[@]}"
nt_check "HTTP: an unknown MAC: boot.ipxe?mac=$MACX" \
	http_render "boot.ipxe?mac=$MACX" kind=ipxe "${UNK[@]}"
nt_check "an IP no host has: grub/grub.cfg-10.69.0.99 has the unknown profile" \
	tftp_render hpa grub/grub.cfg-10.69.0.99 kind=grub profile=unknown \
	kernel=enlist/vmlinuz
nt_check "a malformed MAC is just a missing file: pxelinux.cfg/01-52-54-zz -> ERROR 1" \
	tf_expect_error hpa pxelinux.cfg/01-52-54-zz 1

# ---- boot from disk: the -local templates ----
rn host add node2 --mac "$MAC2" --ip 10.69.0.22 --boot local >/dev/null
nt_check "a host with --boot local: pxelinux-local.tmpl" \
	tftp_render hpa "pxelinux.cfg/01-${MAC2//:/-}" kind=pxelinux-local \
	hostname=node2 profile=local kernel=
nt_check "... grub-local.tmpl" \
	tftp_render hpa "grub/grub.cfg-$MAC2" kind=grub-local hostname=node2
nt_check "HTTP: ... ipxe-local.tmpl" \
	http_render "boot.ipxe?mac=$MAC2" kind=ipxe-local hostname=node2

# ---- changes in IPAM show at once ----
rn host set node2 --boot ubuntu >/dev/null
nt_check "racknet host set node2 --boot ubuntu: at once the ubuntu profile" \
	tftp_render hpa "pxelinux.cfg/01-${MAC2//:/-}" kind=pxelinux \
	hostname=node2 profile=ubuntu kernel=ubuntu/vmlinuz
rn boot-profile set ubuntu --cmdline "console=ttyS1 quiet splash" >/dev/null
nt_check "racknet boot-profile set --cmdline: at once the new command line" \
	tftp_render hpa "pxelinux.cfg/01-$MAC1D" kind=pxelinux \
	"cmdline=console=ttyS1 quiet splash"
rn host add node3 --mac "$MAC3" --ip 10.69.0.23 --boot ubuntu >/dev/null
rn host rm node3 >/dev/null
nt_check "racknet host rm: its MAC is unknown again" \
	tftp_render hpa "pxelinux.cfg/01-${MAC3//:/-}" kind=pxelinux \
	profile=unknown hostname=

# ---- a real file wins ----
mkdir -p "$TF_ROOT/pxelinux.cfg"
printf 'DEFAULT pinned\n' >"$TF_ROOT/pxelinux.cfg/01-${MAC2//:/-}"
nt_check "a real file under the root wins over the template" \
	tf_fetch_ok hpa "pxelinux.cfg/01-${MAC2//:/-}"
rm -f "$TF_ROOT/pxelinux.cfg/01-${MAC2//:/-}"

# ---- a template edited on disk ----
# Re-read when its mtime or size changes, checked at most once a second.
reloads0=$(tf_stat template_reloads)
echo "edited=yes" >>"$TF_TEMPLATES/pxelinux.tmpl"
edited() {
	tf_get hpa "pxelinux.cfg/01-$MAC1D" "$GOT" && [ "$(tf_var "$GOT" edited)" = yes ]
}
nt_check "pxelinux.tmpl edited on disk: the next fetches show it (within 3 s)" \
	nt_wait_for 3 edited
nt_check "racknet tftp stats counts the reload" \
	nt_wait_for 3 tf_stat_ge template_reloads $((reloads0 + 1))

# ---- a broken template ----
# shellcheck disable=SC2016 # a template's ${name}, misspelt
printf 'kind=grub\nkernel=${kernal}\n' >"$TF_TEMPLATES/grub.tmpl"
broken() {
	! tf_get hpa "grub/grub.cfg-$MAC1" "$GOT" && [ "$(tf_err_code hpa)" != none ]
}
nt_check "grub.tmpl broken (\${kernal}): grub/grub.cfg-$MAC1 gets a TFTP ERROR (within 3 s)" \
	nt_wait_for 3 broken
nt_check "the client shows the ERROR" eval "broken; echo \"   hpa: \$TF_OUT\""
nt_check "racknet-tftpd logged it, naming the template and the error" \
	nt_wait_for 2 eval "grep 'grub' '$TF_LOG' | grep -q 'kernal'"
grep -E 'kernal' "$TF_LOG" | sed 's/^/   log: /' | head -n 3 || :
nt_check "HTTP: grub/grub.cfg-$MAC1 gets a 5xx" \
	eval "tf_http 'grub/grub.cfg-$MAC1'; [[ \$TF_HTTP_CODE == 5?? ]] ||
		{ echo \"   HTTP \$TF_HTTP_CODE\"; false; }"
nt_check "racknet-tftpd still runs" nt_alive "$TF_PID"
nt_check "other templates still render (pxelinux)" \
	tftp_render hpa "pxelinux.cfg/01-$MAC1D" kind=pxelinux hostname=node1
tf_file plain.bin 3000
nt_check "plain files are still served" tf_fetch_ok hpa plain.bin
nt_check "racknet tftp stats counts render errors" \
	nt_wait_for 3 tf_stat_ge render_errors 1
tf_tmpl grub grub
nt_check "grub.tmpl fixed: grub/grub.cfg-$MAC1 renders again (within 3 s)" \
	nt_wait_for 3 tftp_render hpa "grub/grub.cfg-$MAC1" kind=grub hostname=node1

# ---- the shipped templates ----
# node1 boots ubuntu: kernel, initrd and command line in each kind.
cp "$SHIPPED"/*.tmpl "$TF_TEMPLATES/"
shipped_has() {	# shipped_has FILE TEXT...
	local f=$1 t
	shift
	for t in "$@"; do
		grep -qF -- "$t" "$f" || {
			echo "   no '$t' in:"
			sed 's/^/      | /' "$f"
			return 1
		}
	done
}
CMD="console=ttyS1 quiet splash"
nt_check "shipped pxelinux.tmpl: KERNEL, initrd and APPEND of node1's profile" \
	nt_wait_for 3 eval "tf_get hpa pxelinux.cfg/01-$MAC1D $GOT &&
		shipped_has $GOT 'KERNEL ubuntu/vmlinuz' 'initrd=ubuntu/initrd.img' '$CMD'"
nt_check "shipped grub.tmpl: linux and initrd lines" \
	eval "tf_get hpa grub/grub.cfg-$MAC1 $GOT &&
		shipped_has $GOT 'linux /ubuntu/vmlinuz $CMD' 'initrd /ubuntu/initrd.img'"
nt_check "shipped ipxe.tmpl over HTTP: kernel and initrd from $HTTP" \
	eval "tf_http 'boot.ipxe?mac=$MAC1' && shipped_has $TF_DIR/got/http.body \
		'#!ipxe' 'kernel $HTTP/ubuntu/vmlinuz' 'initrd --name initrd $HTTP/ubuntu/initrd.img'"
nt_check "shipped pxelinux-local.tmpl for a local host" \
	eval "rn host set node2 --boot local >/dev/null &&
		tf_get hpa pxelinux.cfg/01-${MAC2//:/-} $GOT && shipped_has $GOT 'LOCALBOOT 0'"

nt_check "racknet tftp stats counts rendered files" \
	nt_wait_for 3 tf_stat_ge rendered 30
rn tftp stats --json 2>&1 | jq -c '.counters // .' 2>&1 | sed 's/^/   /' || :
nt_check "racknet-tftpd is still running" nt_alive "$TF_PID"

nt_summary
