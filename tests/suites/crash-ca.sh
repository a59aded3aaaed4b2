#!/bin/bash
# crash-ca.sh - signet ca killed at every write, fsync, rename, unlink and
# mkdir (crashlib.sh): init, issue (server, client, from a CSR, a batch),
# revoke, renew, crl and minica each leave the old CA or the new one,
# never a half-made leaf or an index that disagrees with the
# certificates, and a retry finishes the job once (or, for a name already
# issued, is refused in one line).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/crashlib.sh"

for tool in openssl strace; do
	command -v $tool >/dev/null || { echo "missing $tool (scripts/deps check)" >&2; exit 1; }
done


# What openssl says about a file, kept by the file's SHA-256: most kill
# points leave the setup's certificates as they were, and a suite of
# hundreds of kill points cannot afford several openssl runs for each.
# The cache is files, as the state checks run in subshells.
mkdir -p "$T/.cache"
sha() { local h; h=$(sha256sum <"$1") && echo "${h%% *}"; }
# cert_info FILE: "SERIAL PUBKEY-SHA256" of the first certificate.
cert_info() {
	local h c out
	h=$(sha "$1") || return
	c=$T/.cache/$h.cert
	if [ ! -f "$c" ]; then
		out=$(openssl x509 -in "$1" -noout -serial -pubkey 2>/dev/null) || return
		echo "$(echo "$out" | sed -n 's/^serial=//p') $(echo "$out" | grep -v '^serial=' | sha256sum | cut -d' ' -f1)" >"$c"
	fi
	cat "$c"
}
# key_pub FILE: the SHA-256 of the private key's public key (PEM).
key_pub() {
	local h c
	h=$(sha "$1") || return
	c=$T/.cache/$h.key
	[ -f "$c" ] || openssl pkey -in "$1" -pubout 2>/dev/null | sha256sum | cut -d' ' -f1 >"$c" || return
	cat "$c"
}
# verified CHAIN FILE...: openssl verify -CAfile CHAIN passes on each.
verified() {
	local chain=$1 ch f todo=() h
	ch=$(sha "$chain")
	shift
	for f; do
		h=$(sha "$f")
		[ -f "$T/.cache/$h.$ch.ok" ] || todo+=("$f")
	done
	[ ${#todo[@]} -eq 0 ] && return
	openssl verify -CAfile "$chain" -purpose any "${todo[@]}" >"$T/.verify" 2>&1 ||
		why "openssl verify: $(grep -v ': OK$' "$T/.verify" | head -2)" || return
	for f in "${todo[@]}"; do touch "$T/.cache/$(sha "$f").$ch.ok"; done
}

# ca_consistent CA: the CA directory holds only what its index accounts
# for. A reader (ca list) first settles what a kill left, as any later
# command would. Every index entry names a certificate that exists, has
# the entry's serial and (openssl verify) chains to ca.pem; serials are
# unique; every leaf directory is in the index and holds nothing but its
# certificate, archived pairs named in the index and a key (0600) that
# matches its certificate.
ca_consistent() {
	local ca=$1 st serial file info d f base files=() chain=$T/.chain.pem
	"$SIGNET" ca list --dir "$ca" >/dev/null 2>"$T/.list.err" || why "ca list: $(cat "$T/.list.err")" || return
	for f in ca.pem index.txt index.txt.attr root/ca-key.pem; do
		[ -f "$ca/$f" ] || why "$f missing" || return
	done
	[ "$(ls -A "$ca/root")" = ca-key.pem ] || why "root/ holds $(ls -A "$ca/root" | tr '\n' ' ')" || return
	cat "$ca/ca.pem" >"$chain"
	if [ -e "$ca/intermediate" ]; then
		[ "$(ls -A "$ca/intermediate" | tr '\n' ' ')" = "cert.pem key.pem " ] ||
			why "intermediate/ holds $(ls -A "$ca/intermediate" | tr '\n' ' ')" || return
		cat "$ca/intermediate/cert.pem" >>"$chain"
	fi
	[ -z "$(cut -f4 "$ca/index.txt" | sort | uniq -d)" ] || why "a serial twice in index.txt" || return
	while IFS='|' read -r st serial file; do
		[ "$st" = V ] || [ "$st" = R ] || why "$file: status $st" || return
		[ -f "$ca/$file" ] || why "index.txt names $file, which is missing" || return
		info=$(cert_info "$ca/$file") || why "$file: not a certificate" || return
		[ "${info%% *}" = "$serial" ] || why "$file has serial ${info%% *}, index.txt says $serial" || return
		files+=("$ca/$file")
	done < <(awk -F'\t' '{ print $1 "|" $4 "|" $5 }' "$ca/index.txt")
	[ ${#files[@]} -eq 0 ] || verified "$chain" "${files[@]}" || return
	for d in "$ca"/* "$ca"/.[!.]*; do
		[ -e "$d" ] || continue
		base=${d##*/}
		case $base in
		ca.pem | index.txt | index.txt.attr | crlnumber | crl.pem | root | intermediate) continue ;;
		esac
		[ -d "$d" ] || why "stray file $base" || return
		grep -qF "$(printf '\t%s/cert.pem\t' "$base")" "$ca/index.txt" || why "leaf $base/ is not in index.txt" || return
		for f in "$d"/* "$d"/.[!.]*; do
			[ -e "$f" ] || continue
			case ${f##*/} in
			cert.pem | key.pem) ;;
			cert-*.pem) grep -qF "$(printf '\t%s/%s\t' "$base" "${f##*/}")" "$ca/index.txt" ||
				why "$base/${f##*/} is not in index.txt" || return ;;
			key-*.pem) [ -f "$d/cert-${f##*/key-}" ] || why "$base/${f##*/} without its certificate" || return ;;
			*) why "stray $base/${f##*/}" || return ;;
			esac
		done
		if [ -f "$d/key.pem" ]; then
			[ "$(stat -c %a "$d/key.pem")" = 600 ] || why "$base/key.pem mode $(stat -c %a "$d/key.pem")" || return
			info=$(cert_info "$d/cert.pem")
			[ "$(key_pub "$d/key.pem")" = "${info#* }" ] || why "$base/key.pem does not match cert.pem" || return
		fi
	done
}

# entries CA LEAF: how many index entries are certificates of LEAF/.
entries() { cut -f5 "$1/index.txt" | grep -c "^$2/" || true; }

new_ca() { "$SIGNET" ca init --dir "$1" --name "Crash Root" --intermediate "${@:2}" >/dev/null; }

# ---- ca init ----
ca_init_setup() { :; }
ca_init_cmd() { CMD=("$SIGNET" ca init --dir "$1/ca" --name "Crash Root" --intermediate); }
ca_init_state() {
	# a reader settles first, as it would after a real crash
	"$SIGNET" ca list --dir "$1/ca" >/dev/null 2>&1
	if [ ! -e "$1/ca/ca.pem" ]; then
		[ ! -e "$1/ca" ] || [ -z "$(ls -A "$1/ca")" ] || why "no ca.pem, but $(ls -A "$1/ca" | tr '\n' ' ')" || return
		echo 0
		return
	fi
	ca_consistent "$1/ca" || return
	[ -s "$1/ca/index.txt" ] && why "a new CA with certificates in its index" && return
	echo 1
}
crash_command ca_init

# ---- ca issue: a server certificate, a client one, one from a CSR ----
issue_setup() { new_ca "$1/ca" && "$SIGNET" ca issue --dir "$1/ca" --domains first.example.org >/dev/null; }
ca_issue_setup() { issue_setup "$1"; }
ca_issue_cmd() { CMD=("$SIGNET" ca issue --dir "$1/ca" --domains www.example.org,example.org --ip-addresses 192.0.2.7); }
ca_issue_state() {
	ca_consistent "$1/ca" || return
	[ "$(entries "$1/ca" first.example.org)" = 1 ] || why "the earlier leaf is gone from index.txt" || return
	entries "$1/ca" www.example.org
}
crash_command ca_issue

ca_issue_client_setup() { issue_setup "$1"; }
ca_issue_client_cmd() { CMD=("$SIGNET" ca issue --dir "$1/ca" --domains client.example.org --client); }
ca_issue_client_state() {
	local n
	ca_consistent "$1/ca" || return
	n=$(entries "$1/ca" client.example.org)
	if [ "$n" = 1 ]; then
		cat "$1/ca/ca.pem" "$1/ca/intermediate/cert.pem" >"$T/.chain.pem"
		openssl verify -CAfile "$T/.chain.pem" -purpose sslclient "$1/ca/client.example.org/cert.pem" >/dev/null 2>&1 ||
			why "the client certificate is no client certificate" || return
	fi
	echo "$n"
}
crash_command ca_issue_client

ca_issue_csr_setup() {
	issue_setup "$1" &&
		openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1/csr.key" \
			-subj /CN=csr.example.org -addext subjectAltName=DNS:csr.example.org -out "$1/req.csr" 2>/dev/null
}
ca_issue_csr_cmd() { CMD=("$SIGNET" ca issue --dir "$1/ca" --csr "$1/req.csr"); }
ca_issue_csr_state() {
	local n
	ca_consistent "$1/ca" || return
	n=$(entries "$1/ca" csr.example.org)
	if [ "$n" = 1 ]; then
		[ ! -e "$1/ca/csr.example.org/key.pem" ] || why "a key.pem for a CSR" || return
		[ "$(openssl pkey -in "$1/csr.key" -pubout)" = "$(openssl x509 -in "$1/ca/csr.example.org/cert.pem" -noout -pubkey)" ] ||
			why "the certificate does not hold the CSR's key" || return
	fi
	echo "$n"
}
crash_command ca_issue_csr

# ---- ca issue --batch: every certificate of the batch, or none ----
ca_issue_batch_setup() { issue_setup "$1" && printf 'b1.example.org\nb2.example.org,www.b2.example.org\n' >"$1/batch"; }
ca_issue_batch_cmd() { CMD=("$SIGNET" ca issue --dir "$1/ca" --batch "$1/batch"); }
ca_issue_batch_state() {
	local n1 n2
	ca_consistent "$1/ca" || return
	n1=$(entries "$1/ca" b1.example.org)
	n2=$(entries "$1/ca" b2.example.org)
	[ "$n1" = "$n2" ] || why "half a batch: b1 $n1, b2 $n2" || return
	echo "$n1"
}
crash_command ca_issue_batch

# ---- ca revoke ----
ca_revoke_setup() { issue_setup "$1"; }
ca_revoke_cmd() { CMD=("$SIGNET" ca revoke --dir "$1/ca" "$1/ca/first.example.org/cert.pem" --reason keyCompromise); }
ca_revoke_state() {
	ca_consistent "$1/ca" || return
	awk -F'\t' '$5 == "first.example.org/cert.pem" { n += ($1 == "R") } END { print n + 0 }' "$1/ca/index.txt"
}
crash_command ca_revoke

# ---- ca renew (a new key, the old pair archived): repeatable ----
ca_renew_setup() { issue_setup "$1"; }
ca_renew_cmd() { CMD=("$SIGNET" ca renew --dir "$1/ca" first.example.org); }
ca_renew_state() {
	local n
	ca_consistent "$1/ca" || return
	n=$(entries "$1/ca" first.example.org)
	[ "$(ls "$1/ca/first.example.org" | grep -c '^cert-')" = $((n - 1)) ] ||
		why "$((n - 1)) renewals, $(ls "$1/ca/first.example.org" | grep -c '^cert-') archived certificates" || return
	echo $((n - 1))
}
crash_command ca_renew repeatable

# ---- ca crl (into the CA directory, so one transaction): repeatable ----
ca_crl_setup() {
	issue_setup "$1" && "$SIGNET" ca issue --dir "$1/ca" --domains second.example.org >/dev/null &&
		"$SIGNET" ca revoke --dir "$1/ca" "$1/ca/first.example.org/cert.pem" >/dev/null
}
ca_crl_cmd() { CMD=("$SIGNET" ca crl --dir "$1/ca" -o "$1/ca/crl.pem"); }
ca_crl_state() {
	local ca=$1/ca spent num
	ca_consistent "$ca" || return
	num=$(cat "$ca/crlnumber" 2>/dev/null) || num=01
	spent=$((16#$num - 1))
	if [ "$spent" = 0 ]; then
		[ ! -e "$ca/crl.pem" ] || why "a CRL, but no CRL number spent" || return
		echo 0
		return
	fi
	num=$(openssl crl -in "$ca/crl.pem" -noout -crlnumber 2>/dev/null | cut -d= -f2)
	num=${num#0x}
	[ -n "$num" ] && [ $((16#$num)) = "$spent" ] || why "crl.pem has number '$num', crlnumber says $((spent + 1)) is next" || return
	openssl crl -in "$ca/crl.pem" -noout -CAfile "$T/.chain.pem" >/dev/null 2>&1 || why "crl.pem does not verify" || return
	[ "$(openssl crl -in "$ca/crl.pem" -noout -text | awk '/Serial Number:/ { print $3 }' | sort)" = \
		"$(awk -F'\t' '$1 == "R" { print $4 }' "$ca/index.txt" | sort)" ] || why "the CRL and index.txt disagree" || return
	if openssl verify -crl_check -CAfile "$T/.chain.pem" -CRLfile "$ca/crl.pem" "$ca/first.example.org/cert.pem" >/dev/null 2>&1; then
		why "the revoked leaf passes -crl_check"
		return
	fi
	openssl verify -crl_check -CAfile "$T/.chain.pem" -CRLfile "$ca/crl.pem" "$ca/second.example.org/cert.pem" >/dev/null 2>&1 ||
		why "a valid leaf fails -crl_check" || return
	echo "$spent"
}
crash_command ca_crl repeatable

# ---- ca minica: a new root in the current directory, then the leaf ----
ca_minica_setup() { :; }
ca_minica_cmd() { CMD=(env -C "$1" "$SIGNET" ca minica -domains a.test,www.a.test); }
ca_minica_state() {
	local d=$1
	# any transaction on the directory settles it; ca list then finds no CA
	"$SIGNET" ca list --dir "$d" >/dev/null 2>&1
	for f in "$d"/* "$d"/.[!.]*; do
		[ -e "$f" ] || continue
		case ${f##*/} in minica.pem | minica-key.pem | a.test) ;; *) why "stray ${f##*/}" || return ;; esac
	done
	if [ -e "$d/minica.pem" ] || [ -e "$d/minica-key.pem" ]; then
		[ -f "$d/minica.pem" ] && [ -f "$d/minica-key.pem" ] || why "half a root" || return
		[ "$(key_pub "$d/minica-key.pem")" = "$(cert_info "$d/minica.pem" | cut -d' ' -f2)" ] ||
			why "minica-key.pem does not match minica.pem" || return
	fi
	if [ ! -e "$d/a.test" ]; then
		echo 0 # a root alone is a consistent start: the retry issues from it
		return
	fi
	[ "$(ls -A "$d/a.test" | tr '\n' ' ')" = "cert.pem key.pem " ] || why "a.test/ holds $(ls -A "$d/a.test" | tr '\n' ' ')" || return
	[ -f "$d/minica.pem" ] || why "a leaf without its root" || return
	[ "$(key_pub "$d/a.test/key.pem")" = "$(cert_info "$d/a.test/cert.pem" | cut -d' ' -f2)" ] ||
		why "a.test/key.pem does not match cert.pem" || return
	verified "$d/minica.pem" "$d/a.test/cert.pem" || return
	echo 1
}
crash_command ca_minica

crash_finish
