#!/bin/bash
# Round trips with the real age from Debian, in both directions: every
# size at the chunk boundaries, one and three recipients, binary and
# armored, pipelines, passphrases, and identity files of either tool.
. "$(dirname "$0")/lib.sh"
command -v age >/dev/null || { ko "the age package is not installed"; finish; exit 1; }
TTY="python3 $(dirname "$0")/answer_prompt.py"

# Identities: one from each tool, and a third recipient.
"$SIGNET" age-keygen -o "$T/s.key" 2>/dev/null
age-keygen -o "$T/a.key" 2>/dev/null
age-keygen -o "$T/x.key" 2>/dev/null
S=$(age-keygen -y "$T/s.key") A=$(age-keygen -y "$T/a.key") X=$(age-keygen -y "$T/x.key")

# -y agrees both ways, on both tools' files.
for k in s a x; do
	[ "$("$SIGNET" age-keygen -y "$T/$k.key")" = "$(age-keygen -y "$T/$k.key")" ] && ok ||
		ko "-y disagrees on $k.key"
done
"$SIGNET" age-keygen -y <"$T/a.key" | grep -qx "$A" && ok || ko "-y from standard input"
[ "$(stat -c %a "$T/s.key")" = 600 ] && ok || ko "signet identity file is not 0600"

# age opens -o lazily and creates nothing for an empty payload, so its
# output is taken from standard output.
age_decrypt() { age -d -i "$1" "$2" >"$3"; }

sizes="0 1 65535 65536 65537 131072 $((10 * 1024 * 1024 + 7))"
for size in $sizes; do
	head -c "$size" /dev/urandom >"$T/p"
	for armor in "" "-a"; do
		tag="size $size${armor:+ armored}"
		# One recipient, each tool's own identity file read by the other.
		check "$tag: signet encrypts to an age-keygen key" "$SIGNET" age $armor -r "$A" -o "$T/c1" "$T/p"
		check "$tag: age decrypts" age_decrypt "$T/a.key" "$T/c1" "$T/d1"
		# The blocks reserved for the output are given back past its end.
		[ $(( $(stat -c '%b * %B' "$T/c1") )) -le $(( ($(stat -c %s "$T/c1") + 4095) / 4096 * 4096 )) ] &&
			ok || ko "$tag: blocks allocated past the end of the output"
		same "$tag: signet->age" "$T/p" "$T/d1"
		check "$tag: age encrypts to a signet key" age $armor -r "$S" -o "$T/c2" "$T/p"
		check "$tag: signet decrypts" "$SIGNET" age -d -i "$T/s.key" -o "$T/d2" "$T/c2"
		same "$tag: age->signet" "$T/p" "$T/d2"
		# Three recipients; decrypt with the identity made by the other tool.
		check "$tag: signet encrypts to three" "$SIGNET" age $armor -r "$X" -r "$A" -R <(echo "$S") -o "$T/c3" "$T/p"
		check "$tag: age decrypts with the signet identity" age_decrypt "$T/s.key" "$T/c3" "$T/d3"
		same "$tag: signet->age, 3 recipients" "$T/p" "$T/d3"
		check "$tag: age encrypts to three" age $armor -r "$X" -r "$S" -r "$A" -o "$T/c4" "$T/p"
		check "$tag: signet decrypts with the age identity" "$SIGNET" age -d -i "$T/a.key" -o "$T/d4" "$T/c4"
		same "$tag: age->signet, 3 recipients" "$T/p" "$T/d4"
		rm -f "$T"/c? "$T"/d?
	done
done

# Pipelines: standard input to standard output in both directions.
head -c 300000 /dev/urandom >"$T/p"
"$SIGNET" age -r "$A" <"$T/p" | age -d -i "$T/a.key" >"$T/d" && same "pipe signet|age" "$T/p" "$T/d" || ko "pipe signet|age"
age -r "$S" <"$T/p" | "$SIGNET" age -d -i "$T/s.key" >"$T/d" && same "pipe age|signet" "$T/p" "$T/d" || ko "pipe age|signet"
"$SIGNET" age -a -r "$A" <"$T/p" | age -d -i "$T/a.key" | cmp -s - "$T/p" && ok || ko "armored pipe signet|age"
age -a -r "$S" <"$T/p" | "$SIGNET" age -d -i "$T/s.key" - | cmp -s - "$T/p" && ok || ko "armored pipe age|signet"
# Encrypting "to an identity" (-e -i) as age allows.
"$SIGNET" age -e -i "$T/a.key" <"$T/p" | age -d -i "$T/a.key" | cmp -s - "$T/p" && ok || ko "encrypt with -i"

# Passphrases: age reads them only from a terminal, so it gets one.
echo "correct horse battery staple" >"$T/pw"
head -c 70000 /dev/urandom >"$T/p"
check "signet -p" "$SIGNET" age -p --passphrase-file "$T/pw" -o "$T/c5" "$T/p"
grep -q '^-> scrypt .* 18$' "$T/c5" && ok || ko "scrypt work factor 18"
check "age decrypts a passphrase file" $TTY "correct horse battery staple" age -d -o "$T/d5" "$T/c5"
same "passphrase signet->age" "$T/p" "$T/d5"
check "age -p" $TTY "correct horse battery staple" age -p -a -o "$T/c6" "$T/p"
check "signet decrypts age's passphrase file" "$SIGNET" age -d --passphrase-file "$T/pw" -o "$T/d6" "$T/c6"
same "passphrase age->signet" "$T/p" "$T/d6"
check "signet asks for the passphrase on the terminal" $TTY "correct horse battery staple" "$SIGNET" age -d -o "$T/d7" "$T/c6"
same "passphrase from the terminal" "$T/p" "$T/d7"
# Constant memory: 300 MiB through a pipe in each direction, and the
# peak resident size stays far below the data size.
head -c $((300 << 20)) /dev/zero >"$T/big"
/usr/bin/time -f %M -o "$T/rss.enc" "$SIGNET" age -r "$A" <"$T/big" >"$T/big.age"
/usr/bin/time -f %M -o "$T/rss.dec" "$SIGNET" age -d -i "$T/a.key" <"$T/big.age" | cmp -s - "$T/big" &&
	ok || ko "300 MiB round trip through pipes"
for f in enc dec; do
	kb=$(tail -1 "$T/rss.$f")
	echo "peak RSS for 300 MiB ($f): $kb KiB"
	[ "$kb" -lt 65536 ] && ok || ko "$f used $kb KiB for 300 MiB: not streaming"
done
rm -f "$T/big" "$T/big.age"
finish
