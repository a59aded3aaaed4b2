#!/bin/sh
# demo/run.sh SIGNET - the main job on the embedded example, step by step.
#
# Today: an identity is made, a configuration document is encrypted to it
# and decrypted again, and the real age opens what signet wrote (and the
# other way round). Later parts of signet extend this script.
set -eu
SIGNET=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
out=${DEMO_DIR:-$(dirname "$SIGNET")/demo}
rm -rf "$out"
mkdir -p "$out"
cd "$out"

step() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
# same A B MESSAGE: the demo stops unless A and B are identical.
same() { cmp -s "$1" "$2" || { echo "demo: $1 and $2 differ" >&2; exit 1; }; echo "$3"; }

step "Make an age identity with signet (0600, never overwritten)"
run "$SIGNET" age-keygen -o operator.key
ls -l operator.key
RECIPIENT=$("$SIGNET" age-keygen -y operator.key)

step "Encrypt the site document to it, armored"
run "$SIGNET" age -a -r "$RECIPIENT" -o site.yaml.age "$here/example/site.yaml"
head -3 site.yaml.age; echo "..."

step "Decrypt it with signet"
run "$SIGNET" age -d -i operator.key -o site.signet.yaml site.yaml.age
same "$here/example/site.yaml" site.signet.yaml "identical to the original"

step "The real age opens what signet wrote"
run age -d -i operator.key -o site.age.yaml site.yaml.age
same "$here/example/site.yaml" site.age.yaml "age $(age --version) decrypted it: identical"

step "And signet opens what age writes, to a key made by age-keygen"
run age-keygen -o age.key
run age -r "$(age-keygen -y age.key)" -o site.from-age.age "$here/example/site.yaml"
run "$SIGNET" age -d -i age.key -o site.from-age.yaml site.from-age.age
same "$here/example/site.yaml" site.from-age.yaml "identical"

step "A tampered file is refused, and nothing is written"
cp site.yaml.age tampered.age
sed -i '4s/^./x/' tampered.age
if "$SIGNET" age -d -i operator.key -o should-not-exist tampered.age; then
	echo "demo: tampering was not detected" >&2
	exit 1
fi
[ ! -e should-not-exist ] && echo "refused; no output file"

printf '\nDemo done. Files are in %s\n' "$out"
