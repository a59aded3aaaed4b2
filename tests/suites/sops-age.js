// sops-age.js - decrypts a SOPS file with the npm sops-age library (an
// independent reader) and compares its values with an expected JSON file.
//
//   node sops-age.js MODULE_DIR FILE KEYFILE TYPE [EXPECTED.json]
//
// Without EXPECTED, prints the decrypted values as JSON. Exit 0 when they
// are deep-equal (key order aside), 1 otherwise, 2 when sops-age fails.
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');

async function main() {
	const [moddir, file, keyfile, type, expected] = process.argv.slice(2);
	const { decryptSops } = require(path.join(moddir, 'dist', 'index.cjs'));
	const secretKey = fs.readFileSync(keyfile, 'utf8').split('\n')
		.find((l) => l.startsWith('AGE-SECRET-KEY-'));
	let got;
	try {
		got = await decryptSops(fs.readFileSync(file, 'utf8'), { secretKey, fileType: type });
	} catch (e) {
		console.error('sops-age: ' + (e && e.message ? e.message.split('\n')[0] : e));
		process.exit(2);
	}
	got = JSON.parse(JSON.stringify(got));
	if (!expected) {
		process.stdout.write(JSON.stringify(got) + '\n');
		return;
	}
	const want = JSON.parse(fs.readFileSync(expected, 'utf8'));
	if (!util.isDeepStrictEqual(got, want)) {
		console.error('sops-age: values differ\n got: ' + JSON.stringify(got) +
			'\nwant: ' + JSON.stringify(want));
		process.exit(1);
	}
}
main();
