# scripts/bootkit.sh - sourced (bash) by the suites, the demo and
# bench/init.sh that boot signet-init under qemu: Debian's kernel and the
# modules signet-init needs, a serial console a script can type on, and
# swtpm. The caller sets T (a scratch directory), SRCDIR, BUILDDIR (the
# kernel is cached in BUILDDIR/cache/kernel) and SIGNET.

# --- Debian's kernel and its modules ---------------------------------
# Downloaded once into the build tree (scripts/debian-kernel).
KCACHE="$BUILDDIR/cache/kernel"
debian_kernel() {
	"$SRCDIR/scripts/debian-kernel" "$KCACHE"
}

# kernel_modules NAME...: sets ORDER to the modules' .ko paths with
# their dependencies first (scripts/kernel-modules).
ORDER=()
kernel_modules() {
	local list
	list=$("$SRCDIR/scripts/kernel-modules" "$KCACHE" "$@") || return 1
	mapfile -t ORDER <<<"$list"
}

# initrd_modules DIR: copies ORDER into DIR/lib/modules and writes the
# list signet-init loads, DIR/etc/signet/modules.
initrd_modules() {
	local f
	mkdir -p "$1/lib/modules" "$1/etc/signet"
	: >"$1/etc/signet/modules"
	for f in "${ORDER[@]}"; do
		cp "$f" "$1/lib/modules/"
		echo "/lib/modules/$(basename "$f")" >>"$1/etc/signet/modules"
	done
}

# --- a serial console the suite reads and types on -------------------
# console_open NAME: FIFOs $T/NAME.in/.out for qemu's "-serial
# pipe:$T/NAME"; everything the guest prints goes to $T/NAME.log.
console_open() {
	rm -f "$T/$1.in" "$T/$1.out" "$T/$1.log"
	mkfifo "$T/$1.in" "$T/$1.out"
	: >"$T/$1.log"
	cat "$T/$1.out" >>"$T/$1.log" &
}

# console_wait NAME REGEX SECONDS: waits until the log matches.
console_wait() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		tr -d '\r' <"$T/$1.log" | grep -aqE "$2" && return 0
		sleep 0.2
	done
	echo "console $1: no '$2' after $3 s" >&2
	return 1
}

# console_type NAME TEXT: types TEXT (printf format) on the console.
console_type() {
	# shellcheck disable=SC2059
	printf "$2" >"$T/$1.in"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now, chosen
# by the kernel (not at random, so two runs cannot pick a taken one).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- swtpm ----------------------------------------------------------
# swtpm_host DIR: swtpm on DIR's state on a random loopback port pair
# (retried if taken), for the host side (sealing); sets SWTPM_PID,
# SWTPM_PORT and TCTI. swtpm_stop ends it.
SWTPM_PID=""
swtpm_host() {
	local attempt p
	mkdir -p "$1"
	for attempt in 1 2 3 4 5; do
		p=$((20000 + RANDOM % 40000))
		swtpm socket --tpm2 --server type=tcp,port=$p,bindaddr=127.0.0.1 \
			--ctrl type=tcp,port=$((p + 1)),bindaddr=127.0.0.1 --tpmstate dir="$1" \
			--flags not-need-init,startup-clear >"$T/swtpm-host.log" 2>&1 &
		SWTPM_PID=$!
		TCTI="swtpm:host=127.0.0.1,port=$p"
		SWTPM_PORT=$p
		for _ in $(seq 50); do
			"$SIGNET" tpm pcr -T "$TCTI" >/dev/null 2>&1 && return 0
			kill -0 "$SWTPM_PID" 2>/dev/null || break
			sleep 0.1
		done
		swtpm_stop
	done
	echo "swtpm did not start: $(cat "$T/swtpm-host.log")" >&2
	return 1
}
swtpm_stop() {
	[ -n "$SWTPM_PID" ] || return 0
	kill "$SWTPM_PID" 2>/dev/null
	wait "$SWTPM_PID" 2>/dev/null
	SWTPM_PID=""
}

# swtpm_guest DIR SOCKET: swtpm on DIR's state for one qemu run (it
# ends when qemu disconnects); qemu takes it with swtpm_qemu_args.
swtpm_guest() {
	mkdir -p "$1"
	swtpm socket --tpm2 --tpmstate dir="$1" --ctrl type=unixio,path="$2" --terminate \
		>"$T/swtpm-guest.log" 2>&1 &
	for _ in $(seq 50); do [ -S "$2" ] && return 0; sleep 0.1; done
	echo "swtpm (guest) did not start: $(cat "$T/swtpm-guest.log")" >&2
	return 1
}
swtpm_qemu_args() {
	echo "-chardev socket,id=chrtpm,path=$1 -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0"
}
