# lib.sh - shared by the shell suites: a scratch directory, expectations
# and the closing "N passed, N failed" line.
#
# A suite sources this file, calls ok/ko/expect_* for each case and ends
# with `finish`. $SIGNET is the binary under test.
set -u
: "${SIGNET:?SIGNET must name the signet binary}"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${VECTORS:=$SRCDIR/tests/vectors}"
: "${BUILDDIR:=$SRCDIR/build-check}"

T=$(mktemp -d "${TMPDIR:-/tmp}/signet-suite.XXXXXX")
SERVER_PIDS=""
trap 'for p in $SERVER_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); }
ko() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local what=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then ok; else ko "$what (exit $?): $(head -c 400 "$T/.err")"; fi
}

# refuse DESCRIPTION COMMAND...: the command must exit non-zero with
# exactly one line on stderr.
refuse() {
	local what=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then
		ko "$what: succeeded but should fail"
	elif [ "$(wc -l <"$T/.err")" -ne 1 ]; then
		ko "$what: expected one error line, got: $(head -c 400 "$T/.err")"
	else
		ok
	fi
}

# same DESCRIPTION FILE1 FILE2: byte-identical files.
same() {
	if cmp -s "$2" "$3"; then ok; else ko "$1: $2 and $3 differ"; fi
}

# absent DESCRIPTION FILE: no such file (nothing half-written).
absent() {
	if [ -e "$2" ]; then ko "$1: $2 exists"; else ok; fi
}

# Installs an npm package (pinned) into the build tree once; prints its dir.
# Suites run in parallel: one npm at a time in the shared directory.
npm_package() {
	local spec=$1 dir="$BUILDDIR/npm"
	local name=${spec%@*}
	mkdir -p "$dir"
	(
		flock 9
		[ -f "$dir/node_modules/$name/package.json" ] && exit 0
		cd "$dir" && npm install --no-audit --no-fund --silent "$spec" >"$dir/npm-$name.log" 2>&1
	) 9>"$dir/.lock" || { echo "cannot install npm package $spec: $(tail -3 "$dir/npm-$name.log")" >&2; return 1; }
	echo "$dir/node_modules/$name"
}

# has NAME PATTERN DESCRIPTION / lacks ...: the console log does (not)
# match (carriage returns removed).
has() {
	if tr -d '\r' <"$T/$1.log" | grep -aqE "$2"; then ok; else
		ko "$1: $3: $(tr -d '\r' <"$T/$1.log" | grep -a 'signet-init' | tail -5 | tr '\n' '|')"
	fi
}
lacks() { if tr -d '\r' <"$T/$1.log" | grep -aqE "$2"; then ko "$1: $3"; else ok; fi; }

# expect_exit CODE DESCRIPTION COMMAND...: exits CODE; a failure (not a
# usage error, which adds a pointer to --help) prints exactly one line on
# stderr.
expect_exit() {
	local code=$1 what=$2 rc; shift 2
	"$@" >"$T/.out" 2>"$T/.err"; rc=$?
	if [ "$rc" -ne "$code" ]; then
		ko "$what: exit $rc, expected $code: $(head -c 300 "$T/.err")"
	elif [ "$code" -ne 0 ] && [ "$code" -ne 2 ] && [ "$(wc -l <"$T/.err")" -ne 1 ]; then
		ko "$what: expected one error line, got: $(head -c 300 "$T/.err")"
	else
		ok
	fi
}

# contains DESCRIPTION FILE TEXT: FILE holds TEXT.
contains() {
	if grep -q -- "$3" "$2"; then ok; else ko "$1: '$3' not in $(head -c 300 "$2")"; fi
}

# tree_sum DIR: every path with its mode and every file's hash, sorted, to
# show that nothing in DIR changed.
tree_sum() { (cd "$1" && find . -printf '%p %m\n' -type f -exec sha256sum {} + | sort); }

# soa_serial ZONEFILE: the SOA serial of a zone file in ldns's layout.
soa_serial() { awk '$4 == "SOA" { print $7; exit }' "$1"; }

# The search for a secret key in plaintext (find_secret.py): KEYHEX holds
# the seeds (hex, space-separated), SCAN_DIRS the directories searched
# whole, SCAN_SKIP a grep pattern of paths not searched; besides them
# every file made in /tmp since $T/.start (which the suite touches at its
# start) is searched, but for the build directory, where meson writes
# the tests' logs and signet writes nothing. find_secret.py names the
# files that hold a key.
KEYHEX=""
SCAN_DIRS=()
SCAN_SKIP='^$'
scan_key() {
	local files build
	build=$(cd "$(dirname "$SIGNET")" && pwd)
	files=$( { find "${SCAN_DIRS[@]}" -type f 2>/dev/null
		find /tmp -xdev -type f -newer "$T/.start" 2>/dev/null | grep -v "^$build/"; } |
		sort -u | grep -v -- "$SCAN_SKIP")
	KEYHEX="$KEYHEX" python3 "$SRCDIR/tests/suites/find_secret.py" "$files"
}
# no_plaintext_key WHEN: no key is found after WHEN.
no_plaintext_key() {
	if [ -z "$KEYHEX" ]; then ko "no key to search for after $1"; return; fi
	if scan_key; then ok; else ko "plaintext root key after $1"; fi
}

# nginx_serve DIR: nginx serving DIR as static files (Range answered) on
# a port of 127.0.0.1 the kernel picked free, as this user, until the
# suite ends; sets NGINX_URL (http://127.0.0.1:PORT). Its configuration
# and logs are in $T/nginx.N.
NGINX_N=0
nginx_serve() {
	local dir=$1 conf port try
	NGINX_N=$((NGINX_N + 1))
	conf=$T/nginx.$NGINX_N
	mkdir -p "$conf"
	for try in 1 2 3 4 5; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		cat >"$conf/nginx.conf" <<EOF_NGINX
$( [ "$(id -u)" = 0 ] && echo "user root root;")
worker_processes 1;
daemon off;
pid $conf/nginx.pid;
error_log $conf/error.log;
events { worker_connections 64; }
http {
	access_log $conf/access.log;
	client_body_temp_path $conf/body;
	proxy_temp_path $conf/proxy;
	fastcgi_temp_path $conf/fastcgi;
	uwsgi_temp_path $conf/uwsgi;
	scgi_temp_path $conf/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port;
		root $dir;
	}
}
EOF_NGINX
		nginx -p "$conf" -c "$conf/nginx.conf" 2>>"$conf/start.log" &
		local pid=$!
		for _ in $(seq 50); do
			if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
				SERVER_PIDS="$SERVER_PIDS $pid"
				NGINX_URL=http://127.0.0.1:$port
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "nginx would not start: $(tail -3 "$conf/error.log" "$conf/start.log" 2>/dev/null)" >&2
	return 1
}

# start_registry NAME HTTP_EXTRA TOP_EXTRA: Debian's docker-registry on a
# loopback port the kernel picked free (another if it was taken since),
# its storage and log in $T, until the suite ends; sets PORT_NAME.
start_registry() {
	local name=$1 http_extra=$2 top_extra=$3 port pid
	for _ in 1 2 3 4 5 6 7 8; do
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		cat >"$T/$name.yml" <<-EOF
			version: 0.1
			log:
			  level: info
			storage:
			  filesystem:
			    rootdirectory: $T/$name.store
			http:
			  addr: 127.0.0.1:$port
			$http_extra
			$top_extra
		EOF
		docker-registry serve "$T/$name.yml" >"$T/$name.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do
			kill -0 $pid 2>/dev/null || break
			if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
				sleep 0.2 # a registry that lost the port to another exits
				if kill -0 $pid 2>/dev/null && ! grep -q 'address already in use' "$T/$name.log"; then
					SERVER_PIDS="$SERVER_PIDS $pid"
					eval "PORT_$name=$port"
					return 0
				fi
				break
			fi
			sleep 0.1
		done
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
	done
	echo "docker-registry $name did not start: $(tail -3 "$T/$name.log")" >&2
	return 1
}

# signed_fleet DIR: the example fleet (signet fleet init) in DIR/fleet,
# its keys in DIR/fleet.keys, committed, built by both builders (in
# DIR/.builders), attested and signed into DIR/signed. Its lock pins no
# kernel: the hosts' configuration only. Git's dates are fixed by the
# caller (GIT_*_DATE). 0, or 1 with the failing step on stderr.
signed_fleet() {
	local d=$1 b F K
	F=$d/fleet K=$d/fleet.keys
	mkdir -p "$d/.builders"
	"$SIGNET" fleet init "$F" >/dev/null && "$SIGNET" fleet issue -C "$F" --keys "$K" >/dev/null &&
		(cd "$F" && git init -q && git add . && git commit -qm "the fleet") || { echo "signed_fleet: the fleet" >&2; return 1; }
	for b in bubo crucible; do
		git clone -q "$F" "$d/.builders/$b/src" &&
			(cd "$d/.builders/$b/src" && "$SIGNET" fleet build --out ../out >/dev/null) &&
			"$SIGNET" fleet attest -C "$F" --builder $b --key "$K/hosts/$b/attestation.key" \
				--build "$d/.builders/$b/out" -o "$d/.builders/$b.att" || { echo "signed_fleet: $b" >&2; return 1; }
	done
	"$SIGNET" fleet sign -C "$F" --keys "$K" --build "$d/.builders/bubo/out" --out "$d/signed" \
		"$d/.builders/bubo.att" "$d/.builders/crucible.att" >/dev/null || { echo "signed_fleet: sign" >&2; return 1; }
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
