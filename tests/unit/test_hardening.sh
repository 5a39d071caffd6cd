#!/bin/sh
# The hardening CMakeLists.txt asks for, read back from the binaries' ELF
# headers and symbols (readelf, binutils):
#   PIE             the file is ET_DYN with an interpreter
#   full RELRO      a GNU_RELRO segment and BIND_NOW
#   stack protector __stack_chk_fail is referenced
#   FORTIFY         some __*_chk function is referenced (not in Debug, which
#                   does not optimise, so glibc's wrappers are off)
# Usage: test_hardening.sh CONFIG BINARY...
set -u
config=$1
shift
fail=0

check() {	# check BINARY WHAT COMMAND...
	bin=$1 what=$2
	shift 2
	if "$@" >/dev/null 2>&1; then
		echo "ok   $(basename "$bin"): $what"
	else
		echo "FAIL $(basename "$bin"): $what"
		fail=1
	fi
}
has() {		# has BINARY READELF-ARGS REGEX
	readelf $2 "$1" | grep -Eq "$3"
}

for bin; do
	check "$bin" PIE has "$bin" -hW 'Type: +DYN'
	check "$bin" "an interpreter (an executable, not a library)" \
		has "$bin" -lW 'Requesting program interpreter'
	check "$bin" "RELRO" has "$bin" -lW GNU_RELRO
	check "$bin" "BIND_NOW" has "$bin" -dW 'BIND_NOW|FLAGS.*NOW'
	check "$bin" "stack protector" has "$bin" '-sW --dyn-syms' \
		'__stack_chk_fail'
	if [ "$config" != Debug ]; then
		check "$bin" "FORTIFY" has "$bin" '-sW --dyn-syms' '__[a-z0-9_]+_chk'
	fi
done
exit $fail
