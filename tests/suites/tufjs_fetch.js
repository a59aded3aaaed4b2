// tufjs_fetch.js - npm tuf-js (the TUF project's JavaScript client, an
// independent reader) refreshes a repository over HTTP and downloads one
// target.
//
//   node tufjs_fetch.js MODULE_DIR METADATA_URL TARGETS_URL ROOT CACHE TARGET OUTFILE
//
// ROOT is the trusted root, copied into CACHE/metadata/root.json when the
// cache has none. Prints {"target", "length", "sha256", "custom"} as one
// JSON line and exits 0; exits 3 when no role lists TARGET, 1 (with
// "tuf-js: CLASS: message" on stderr) on any refusal.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

async function main() {
	const [moddir, metaUrl, targetsUrl, root, cache, target, out] = process.argv.slice(2);
	const { Updater } = require(moddir);
	const metadataDir = path.join(cache, 'metadata');
	const targetDir = path.join(cache, 'targets');
	fs.mkdirSync(metadataDir, { recursive: true });
	fs.mkdirSync(targetDir, { recursive: true });
	if (!fs.existsSync(path.join(metadataDir, 'root.json')))
		fs.copyFileSync(root, path.join(metadataDir, 'root.json'));
	const u = new Updater({ metadataDir, metadataBaseUrl: metaUrl, targetDir, targetBaseUrl: targetsUrl });
	try {
		await u.refresh();
		const info = await u.getTargetInfo(target);
		if (!info) {
			console.error('tuf-js: no such target ' + target);
			process.exit(3);
		}
		await u.downloadTarget(info, out);
		const sha256 = crypto.createHash('sha256').update(fs.readFileSync(out)).digest('hex');
		process.stdout.write(JSON.stringify({ target, length: info.length, sha256, custom: info.custom }) + '\n');
	} catch (e) {
		console.error('tuf-js: ' + (e && e.constructor ? e.constructor.name : 'Error') + ': ' +
			(e && e.message ? e.message.split('\n')[0] : e));
		process.exit(1);
	}
}
main();
