#!/bin/bash
# sops.sh - signet sops against files written by the real sops, and what
# signet writes against an independent reader (npm sops-age); tampering,
# rules, updatekeys, rotate, edit, --extract.
. "$(dirname "$0")/lib.sh"

V=$VECTORS/sops
JS=$SRCDIR/tests/suites/sops-age.js
SA=$(npm_package sops-age@4.0.2) || { echo "sops-age is needed" >&2; exit 1; }

# json_eq DESCRIPTION A.json B.json [KEY...]: same values, key order
# aside, after dropping the top-level KEYs from B.
json_eq() {
	local what=$1 a=$2 b=$3; shift 3
	if python3 - "$a" "$b" "$@" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
for k in sys.argv[3:]:
    b.pop(k, None)
sys.exit(0 if a == b else 1)
EOF
	then ok; else ko "$what: $(cat "$a") != $(cat "$b")"; fi
}

# names WHAT PATTERN: the last command's single error line matches.
names() {
	if grep -q -- "$2" "$T/.err"; then ok; else ko "$1: error does not say '$2': $(cat "$T/.err")"; fi
}

export SOPS_AGE_KEY_FILE=$V/key.txt
unset SOPS_AGE_KEY SOPS_AGE_RECIPIENTS
export HOME=$T/home XDG_CONFIG_HOME=
mkdir -p "$HOME"

## 1. The real sops's files decrypt, their MACs verify, values match.
for t in yaml json; do
	check "decrypt sops $t vector" "$SIGNET" sops -d --output-type json --output "$T/v.$t.json" "$V/secret.enc.$t"
	if [ $t = yaml ]; then
		json_eq "sops yaml vector values" "$T/v.$t.json" "$V/secret.json" 0word
	else
		json_eq "sops json vector values" "$T/v.$t.json" "$V/secret.json"
	fi
done
check "decrypt sops dotenv vector" "$SIGNET" sops -d --output "$T/v.env" "$V/secret.enc.env"
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$V/secret.json")
if grep -qx "secret=$want" "$T/v.env"; then ok; else ko "dotenv vector value: $(cat "$T/v.env")"; fi
check "extract from the json vector" "$SIGNET" sops -d --extract '["complex"]["array"][2]' "$V/secret.enc.json"
if [ "$(cat "$T/.out")" = three ]; then ok; else ko "extract: $(cat "$T/.out")"; fi
# sops-age agrees on the vectors (so the reader we trust below is sound)
check "sops-age reads the yaml vector" node "$JS" "$SA" "$V/secret.enc.yaml" "$V/key.txt" yaml "$T/v.yaml.json"

## 2. Tampering with the real sops's file is refused, by name.
cp "$V/secret.enc.yaml" "$T/t.yaml"
sed -i 's/^string: ENC\[AES256_GCM,data:LNzAFGse/string: ENC[AES256_GCM,data:LNzAFGsf/' "$T/t.yaml"
refuse "tampered vector value" "$SIGNET" sops -d "$T/t.yaml"
names "tampered vector value" 'value at "string:"'

## 3. What signet encrypts, sops-age opens with the same values.
"$SIGNET" age-keygen -o "$T/k1.txt" 2>/dev/null
"$SIGNET" age-keygen -o "$T/k2.txt" 2>/dev/null
R1=$(grep -o 'age1[0-9a-z]*' "$T/k1.txt" | head -1)
R2=$(grep -o 'age1[0-9a-z]*' "$T/k2.txt" | head -1)

cat >"$T/doc.yaml" <<'EOF'
# A document with every kind of value.
title: héllo wörld ✓ — ünïcode
emoji: 🔐
multi: |
    line one
    line two
stripped: |-
    no trailing
    newline
empty: ""
big: 9007199254740991
negative: -123456789012
pi: 3.14159
tiny: 1.5e-10
negfloat: -0.25
yes_flag: true
no_flag: false
nothing: null
quoted_number: "42"
colon: 'a: b'
clé ünïcode: välue
'key: with colon': '# not a comment'
nested:
    # a comment inside
    port: 8080 # inline comment
    hosts:
        - alpha
        - 2
        - name: beta
          weight: 0.5
        - - deep
          - list
    none: []
    nil_map: {}
plain_unencrypted: stays visible
EOF
cat >"$T/doc.expected.json" <<'EOF'
{"title": "héllo wörld ✓ — ünïcode", "emoji": "🔐", "multi": "line one\nline two\n",
 "stripped": "no trailing\nnewline", "empty": "", "big": 9007199254740991,
 "negative": -123456789012, "pi": 3.14159, "tiny": 1.5e-10, "negfloat": -0.25,
 "yes_flag": true, "no_flag": false, "nothing": null, "quoted_number": "42", "colon": "a: b",
 "clé ünïcode": "välue", "key: with colon": "# not a comment",
 "nested": {"port": 8080, "hosts": ["alpha", 2, {"name": "beta", "weight": 0.5}, ["deep", "list"]],
            "none": [], "nil_map": {}},
 "plain_unencrypted": "stays visible"}
EOF
check "encrypt yaml" "$SIGNET" sops -e --age "$R1,$R2" --output "$T/doc.enc.yaml" "$T/doc.yaml"
check "sops-age opens signet's yaml" node "$JS" "$SA" "$T/doc.enc.yaml" "$T/k1.txt" yaml "$T/doc.expected.json"
check "sops-age opens signet's yaml (second recipient)" node "$JS" "$SA" "$T/doc.enc.yaml" "$T/k2.txt" yaml "$T/doc.expected.json"
if grep -q 'héllo\|line one\|3.14159\|a comment inside\|inline comment' "$T/doc.enc.yaml"; then
	ko "plaintext or comments left in the encrypted yaml"
else ok; fi
if grep -q '^plain_unencrypted: stays visible$' "$T/doc.enc.yaml"; then ok; else ko "unencrypted suffix not honoured"; fi
if grep -q '^    #ENC\[AES256_GCM,.*type:comment\]$' "$T/doc.enc.yaml"; then ok; else ko "comment not encrypted"; fi
if grep -q '^    version: 3.9' "$T/doc.enc.yaml" && grep -q '^    lastmodified: "' "$T/doc.enc.yaml" &&
	grep -q '^        - recipient: age1' "$T/doc.enc.yaml"; then ok; else ko "sops metadata layout"; fi
# YAML round trip: key order, comments, layout
SOPS_AGE_KEY_FILE=$T/k2.txt check "decrypt signet's yaml" "$SIGNET" sops -d --output "$T/doc.dec.yaml" "$T/doc.enc.yaml"
same "yaml round trip keeps order and comments" "$T/doc.yaml" "$T/doc.dec.yaml"

# Comments around a flow sequence that holds only comments: one inside it,
# one after its closing bracket (the input libFuzzer found, kept in
# fuzz/regressions/sops_yaml/). Each is encrypted under its own path and
# decrypts back in its place; the alias is written expanded, as sops does.
printf 'a: &x {k: [1, 2./g, "s", null, 0o17e]}\nb: *x\nc: [\n    # inside\n    ] # i "e"\n' >"$T/fc.yaml"
cat >"$T/fc.want.yaml" <<'EOF'
a:
    k:
        - 1
        - 2./g
        - s
        - null
        - 0o17e
b:
    k:
        - 1
        - 2./g
        - s
        - null
        - 0o17e
c: [
    # inside
    ] # i "e"
EOF
printf '{"a": {"k": [1, "2./g", "s", null, "0o17e"]}, "b": {"k": [1, "2./g", "s", null, "0o17e"]}, "c": []}\n' >"$T/fc.expected.json"
check "encrypt comments around a flow sequence" "$SIGNET" sops -e --age "$R1" --output "$T/fc.enc.yaml" "$T/fc.yaml"
if grep -q 'inside\|i "e"' "$T/fc.enc.yaml"; then ko "flow sequence comments left in clear"; else ok; fi
if [ "$(grep -c '#ENC\[AES256_GCM,.*type:comment\]$' "$T/fc.enc.yaml")" = 2 ]; then ok; else ko "flow sequence comments not both encrypted"; fi
SOPS_AGE_KEY_FILE=$T/k1.txt check "decrypt comments around a flow sequence" "$SIGNET" sops -d --output "$T/fc.dec.yaml" "$T/fc.enc.yaml"
same "comments around a flow sequence decrypt in place" "$T/fc.want.yaml" "$T/fc.dec.yaml"
check "sops-age opens comments around a flow sequence" node "$JS" "$SA" "$T/fc.enc.yaml" "$T/k1.txt" yaml "$T/fc.expected.json"

# JSON: the same values from a JSON document (sops's JSON has no comments)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d, ensure_ascii=False, indent="\t"))' \
	"$T/doc.expected.json" >"$T/doc.json"
check "encrypt json" "$SIGNET" sops -e --age "$R1" --output "$T/doc.enc.json" "$T/doc.json"
check "sops-age opens signet's json" node "$JS" "$SA" "$T/doc.enc.json" "$T/k1.txt" json "$T/doc.expected.json"
SOPS_AGE_KEY_FILE=$T/k1.txt check "decrypt signet's json" "$SIGNET" sops -d --output "$T/doc.dec.json" "$T/doc.enc.json"
json_eq "json round trip" "$T/doc.dec.json" "$T/doc.expected.json"
same "json round trip text (tabs, order)" "$T/doc.json" "$T/doc.dec.json"

# dotenv
printf '# settings\nDB_PASSWORD=s3cr3t: with = signs\nMULTI=one\\ntwo\nEMPTY=\nUNICODE=ünï ✓\nTOKEN_unencrypted=visible\n' >"$T/doc.env"
cat >"$T/env.expected.json" <<'EOF'
{"DB_PASSWORD": "s3cr3t: with = signs", "MULTI": "one\ntwo", "EMPTY": "", "UNICODE": "ünï ✓",
 "TOKEN_unencrypted": "visible"}
EOF
check "encrypt dotenv" "$SIGNET" sops -e --age "$R1" --output "$T/doc.enc.env" "$T/doc.env"
check "sops-age opens signet's dotenv" node "$JS" "$SA" "$T/doc.enc.env" "$T/k1.txt" env "$T/env.expected.json"
SOPS_AGE_KEY_FILE=$T/k1.txt check "decrypt signet's dotenv" "$SIGNET" sops -d --output "$T/doc.dec.env" "$T/doc.enc.env"
same "dotenv round trip" "$T/doc.env" "$T/doc.dec.env"

# cross-format: YAML in, JSON out
check "encrypt yaml to json" "$SIGNET" sops -e --age "$R1" --output-type json --output "$T/x.enc.json" "$T/doc.yaml"
check "sops-age opens yaml->json" node "$JS" "$SA" "$T/x.enc.json" "$T/k1.txt" json "$T/doc.expected.json"

# binary (sops's store for other files): a JSON document with "data"
printf 'line one\nbinary \001 bytes ✓\n' >"$T/blob.txt"
check "encrypt binary" "$SIGNET" sops -e --age "$R1" --output "$T/blob.enc" "$T/blob.txt"
python3 -c 'import json,sys; print(json.dumps({"data": open(sys.argv[1], encoding="utf-8").read()}))' "$T/blob.txt" >"$T/blob.expected.json"
check "sops-age opens signet's binary" node "$JS" "$SA" "$T/blob.enc" "$T/k1.txt" json "$T/blob.expected.json"
SOPS_AGE_KEY_FILE=$T/k1.txt check "decrypt signet's binary" "$SIGNET" sops -d --output "$T/blob.dec" "$T/blob.enc"
same "binary round trip" "$T/blob.txt" "$T/blob.dec"

## 4. Tampering with signet's file: refused by name, nothing written.
export SOPS_AGE_KEY_FILE=$T/k1.txt
# tamper DESCRIPTION EXPECTED-MESSAGE PYTHON-REGEX REPLACEMENT: changes the
# first match in a copy of the encrypted file (one substitution). With
# REPLACEMENT "FLIP" (a base64 character) or "DIGIT" (0 or 1), the
# character matched by group 2 becomes another.
tamper() {
	local what=$1 msg=$2
	python3 - "$T/doc.enc.yaml" "$T/bad.yaml" "$3" "$4" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
rep = sys.argv[4]
if rep == "FLIP":
    rep = lambda m: m.group(1) + ("B" if m.group(2) == "A" else "A")
elif rep == "DIGIT":
    rep = lambda m: m.group(1) + ("1" if m.group(2) == "0" else "0")
open(sys.argv[2], "w", encoding="utf-8").write(re.sub(sys.argv[3], rep, text, count=1, flags=re.M))
PY
	if cmp -s "$T/doc.enc.yaml" "$T/bad.yaml"; then ko "$what: the edit changed nothing"; return; fi
	refuse "$what" "$SIGNET" sops -d --output "$T/bad.out" "$T/bad.yaml"
	names "$what" "$msg"
	absent "$what: no output" "$T/bad.out"
	cp "$T/bad.yaml" "$T/bad.orig"
	refuse "$what (-i)" "$SIGNET" sops -d -i "$T/bad.yaml"
	same "$what (-i): original untouched" "$T/bad.orig" "$T/bad.yaml"
}
# one byte of ciphertext: its first base64 character, changed
tamper "ENC value" 'value at "pi:".*authentication failed' \
	'^(pi: ENC\[AES256_GCM,data:)([A-Za-z0-9+/])' FLIP
tamper "MAC" 'MAC cannot be decrypted' \
	'^(    mac: ENC\[AES256_GCM,data:)([A-Za-z0-9+/])' FLIP
tamper "lastmodified" 'MAC cannot be decrypted' \
	'^(    lastmodified: "\d{4}-\d\d-\d\dT\d\d:)(\d)' DIGIT
tamper "unencrypted value under the MAC" 'MAC mismatch' \
	'^plain_unencrypted: stays visible$' 'plain_unencrypted: stays invisible'
tamper "value order (swapped entries)" 'MAC mismatch' \
	'^(yes_flag: .*)\n(no_flag: .*)$' '\g<2>\n\g<1>'
# the first recipient's (k1's) stanza: a character of its second line
tamper "age stanza" 'age stanza for age1' \
	'(enc: \|\n {12}-----BEGIN AGE ENCRYPTED FILE-----\n {12}[^\n]{64}\n {12}[A-Za-z0-9+/]{10})([A-Za-z0-9+/])' FLIP
refuse "wrong identity" env SOPS_AGE_KEY_FILE="$V/key.txt" "$SIGNET" sops -d "$T/doc.enc.yaml"
names "wrong identity" "no age identity matches"
refuse "not a sops file" "$SIGNET" sops -d "$T/doc.yaml"
names "not a sops file" "sops metadata not found"
refuse "already encrypted" "$SIGNET" sops -e --age "$R1" "$T/doc.enc.yaml"
refuse "bad recipient" "$SIGNET" sops -e --age age1nope "$T/doc.yaml"
printf 'a: [1,\n' >"$T/broken.yaml"
refuse "yaml syntax error" "$SIGNET" sops -e --age "$R1" --output "$T/broken.out" "$T/broken.yaml"
names "yaml syntax error" 'broken.yaml: line '
absent "yaml syntax error: no output" "$T/broken.out"

## 5. Rules and --mac-only-encrypted.
cat >"$T/rules.yaml" <<'EOF'
header:
    version: "0.1"
    contents:
        secret: s3cr3t
        count: 5
    note: public
EOF
check "encrypted-regex" "$SIGNET" sops -e --age "$R1" --encrypted-regex '^contents$' --output "$T/rules.enc.yaml" "$T/rules.yaml"
if grep -q '^    note: public$' "$T/rules.enc.yaml" && grep -q '^        secret: ENC\[' "$T/rules.enc.yaml" &&
	grep -q '^    encrypted_regex: \^contents\$$' "$T/rules.enc.yaml"; then ok; else ko "encrypted-regex layout"; fi
check "encrypted-regex decrypts" "$SIGNET" sops -d --output "$T/rules.dec.yaml" "$T/rules.enc.yaml"
same "encrypted-regex round trip" "$T/rules.yaml" "$T/rules.dec.yaml"
check "sops-age opens encrypted-regex" node "$JS" "$SA" "$T/rules.enc.yaml" "$T/k1.txt" yaml
sed -i 's/^    note: public$/    note: altered/' "$T/rules.enc.yaml"
refuse "clear value under encrypted-regex is MACed" "$SIGNET" sops -d "$T/rules.enc.yaml"
names "clear value under encrypted-regex is MACed" "MAC mismatch"
check "unencrypted-regex" "$SIGNET" sops -e --age "$R1" --unencrypted-regex '^(note|version)$' --output "$T/r2.yaml" "$T/rules.yaml"
if grep -q '^    note: public$' "$T/r2.yaml" && grep -q '^        count: ENC\[' "$T/r2.yaml"; then ok; else ko "unencrypted-regex layout"; fi
check "encrypted-suffix" "$SIGNET" sops -e --age "$R1" --encrypted-suffix ret --output "$T/r3.yaml" "$T/rules.yaml"
if grep -q '^        secret: ENC\[' "$T/r3.yaml" && grep -q '^        count: 5$' "$T/r3.yaml"; then ok; else ko "encrypted-suffix layout"; fi
check "encrypted-suffix decrypts" "$SIGNET" sops -d --output "$T/r3.dec.yaml" "$T/r3.yaml"
same "encrypted-suffix round trip" "$T/rules.yaml" "$T/r3.dec.yaml"
check "mac-only-encrypted" "$SIGNET" sops -e --age "$R1" --encrypted-regex '^contents$' --mac-only-encrypted --output "$T/r4.yaml" "$T/rules.yaml"
if grep -q '^    mac_only_encrypted: true$' "$T/r4.yaml"; then ok; else ko "mac_only_encrypted not recorded"; fi
sed -i 's/^    note: public$/    note: altered/' "$T/r4.yaml"
check "mac-only-encrypted: clear values are outside the MAC" "$SIGNET" sops -d "$T/r4.yaml"
"$SIGNET" sops -e --age "$R1" --encrypted-regex a --encrypted-suffix b "$T/rules.yaml" >/dev/null 2>&1
[ $? -eq 2 ] && ok || ko "two rules: usage error"

# .sops.yaml: the first creation rule matching the path (relative to the
# config's directory) gives the recipients and the rule
mkdir -p "$T/proj/secrets/app"
cat >"$T/proj/.sops.yaml" <<CONF
creation_rules:
  - path_regex: \.dev\.yaml\$
    age: $R2
  - path_regex: secrets/.*\.yaml\$
    encrypted_regex: ^contents\$
    age: >-
      $R1,
      $R2
CONF
cp "$T/rules.yaml" "$T/proj/secrets/app/r.yaml"
(cd "$T/proj/secrets" && "$SIGNET" sops -e -i app/r.yaml) && ok || ko "encrypt with .sops.yaml"
if grep -q '^    note: public$' "$T/proj/secrets/app/r.yaml" && [ "$(grep -c 'recipient: age1' "$T/proj/secrets/app/r.yaml")" = 2 ]; then
	ok; else ko ".sops.yaml rule not applied"; fi
SOPS_AGE_KEY_FILE=$T/k2.txt check "decrypt .sops.yaml file" "$SIGNET" sops -d --output "$T/proj.dec.yaml" "$T/proj/secrets/app/r.yaml"
same ".sops.yaml round trip" "$T/rules.yaml" "$T/proj.dec.yaml"
# updatekeys takes the recipients of the rule, as sops does
sed -i "s/^      $R1,\$/      $R2,/" "$T/proj/.sops.yaml"
(cd "$T/proj" && "$SIGNET" sops updatekeys -y secrets/app/r.yaml 2>/dev/null) && ok || ko "updatekeys with .sops.yaml"
refuse "updatekeys with .sops.yaml dropped k1" "$SIGNET" sops -d "$T/proj/secrets/app/r.yaml"
SOPS_AGE_KEY_FILE=$T/k2.txt check "updatekeys with .sops.yaml: k2 decrypts" "$SIGNET" sops -d "$T/proj/secrets/app/r.yaml"
cp "$T/rules.yaml" "$T/proj/plain.yaml"
refuse "no matching creation rule" "$SIGNET" sops -e --config "$T/proj/.sops.yaml" "$T/proj/plain.yaml"
names "no matching creation rule" "no matching creation rules"

## 6. updatekeys, rotate, --extract, -i.
cp "$T/doc.enc.yaml" "$T/uk.yaml"
check "updatekeys" "$SIGNET" sops updatekeys --age "$R2" "$T/uk.yaml"
refuse "updatekeys removed k1" "$SIGNET" sops -d "$T/uk.yaml"
SOPS_AGE_KEY_FILE=$T/k2.txt check "updatekeys: k2 decrypts" "$SIGNET" sops -d --output "$T/uk.dec.yaml" "$T/uk.yaml"
same "updatekeys keeps the values" "$T/doc.yaml" "$T/uk.dec.yaml"
if [ "$(grep '^pi: ' "$T/uk.yaml")" = "$(grep '^pi: ' "$T/doc.enc.yaml")" ]; then ok; else ko "updatekeys re-encrypted values"; fi
check "rotate" "$SIGNET" sops rotate --output "$T/rot.yaml" "$T/doc.enc.yaml"
if [ "$(grep '^pi: ' "$T/rot.yaml")" != "$(grep '^pi: ' "$T/doc.enc.yaml")" ]; then ok; else ko "rotate kept the ciphertext"; fi
check "rotate: decrypts" "$SIGNET" sops -d --output "$T/rot.dec.yaml" "$T/rot.yaml"
same "rotate keeps the values" "$T/doc.yaml" "$T/rot.dec.yaml"
check "rotate --rm-age" "$SIGNET" sops rotate --rm-age "$R1" --output "$T/rot2.yaml" "$T/doc.enc.yaml"
refuse "rotate --rm-age removed k1" "$SIGNET" sops -d "$T/rot2.yaml"
check "extract a map" "$SIGNET" sops -d --extract '["nested"]["hosts"][2]' "$T/doc.enc.yaml"
if [ "$(cat "$T/.out")" = "$(printf 'name: beta\nweight: 0.5')" ]; then ok; else ko "extract map: $(cat "$T/.out")"; fi
refuse "extract a missing key" "$SIGNET" sops -d --extract '["nope"]' "$T/doc.enc.yaml"
cp "$T/doc.yaml" "$T/inplace.yaml"
check "encrypt -i" "$SIGNET" sops -e -i --age "$R1" "$T/inplace.yaml"
check "decrypt -i" "$SIGNET" sops -d -i "$T/inplace.yaml"
same "-i round trip" "$T/doc.yaml" "$T/inplace.yaml"

## 7. edit: unchanged -> no change; changed -> re-encrypted.
cp "$T/doc.enc.yaml" "$T/ed.yaml"
EDITOR=true check "edit, unchanged" "$SIGNET" sops edit "$T/ed.yaml"
same "edit, unchanged: file identical" "$T/doc.enc.yaml" "$T/ed.yaml"
EDITOR="sed -i s/stays.visible/now.changed/" check "edit, changed" "$SIGNET" sops edit "$T/ed.yaml"
check "edit result decrypts" "$SIGNET" sops -d --extract '["plain_unencrypted"]' "$T/ed.yaml"
if [ "$(cat "$T/.out")" = "now.changed" ]; then ok; else ko "edit result: $(cat "$T/.out")"; fi
cp "$T/ed.yaml" "$T/ed.orig"
EDITOR="sed -i s/^title:/title/" refuse "edit to invalid yaml" "$SIGNET" sops edit "$T/ed.yaml"
same "edit to invalid yaml: file untouched" "$T/ed.orig" "$T/ed.yaml"
EDITOR=false refuse "editor fails" "$SIGNET" sops edit "$T/ed.yaml"
same "editor fails: file untouched" "$T/ed.orig" "$T/ed.yaml"

# edit of a file that does not exist creates it (recipients from --age)
printf '#!/bin/sh\nprintf "# new\\nfresh: value\\n" >"$1"\n' >"$T/writer.sh"
chmod +x "$T/writer.sh"
EDITOR=$T/writer.sh check "edit creates a new file" "$SIGNET" sops edit --age "$R1" "$T/new.yaml"
check "the new file decrypts" "$SIGNET" sops -d --output "$T/new.dec.yaml" "$T/new.yaml"
printf '# new\nfresh: value\n' >"$T/new.want.yaml"
same "the new file's content" "$T/new.want.yaml" "$T/new.dec.yaml"
EDITOR=true check "edit of a new file left empty" "$SIGNET" sops edit --age "$R1" "$T/none.yaml"
absent "edit of a new file left empty: nothing written" "$T/none.yaml"
refuse "edit of a new file without recipients" "$SIGNET" sops edit "$T/none.yaml"

## 8. Identities from SOPS_AGE_KEY and the default keys file; usage.
SOPS_AGE_KEY_FILE= SOPS_AGE_KEY="$(grep AGE-SECRET "$T/k1.txt")" check "SOPS_AGE_KEY" "$SIGNET" sops -d "$T/doc.enc.yaml"
mkdir -p "$HOME/.config/sops/age" && cp "$T/k1.txt" "$HOME/.config/sops/age/keys.txt"
SOPS_AGE_KEY_FILE= check "default keys.txt" "$SIGNET" sops -d "$T/doc.enc.yaml"
check "help" "$SIGNET" sops --help
if head -1 "$T/.out" | grep -q '^Usage:'; then ok; else ko "help text"; fi
"$SIGNET" sops -e >/dev/null 2>&1; [ $? -eq 2 ] && ok || ko "usage error exits 2"
"$SIGNET" sops -e -d --age "$R1" "$T/doc.yaml" >/dev/null 2>&1; [ $? -eq 2 ] && ok || ko "-e -d exits 2"

finish
