// cctv-dump.js MODULE_DIR OUT_DIR - writes each C2SP age vector of the
// cctv-age npm package as OUT_DIR/NAME.meta (its "key: value" lines) and
// OUT_DIR/NAME.age (the age file, inflated when "compressed: zlib").
'use strict';
// cctv-age is an ES module: import() loads it on every Node from 18 on
// (require() of an ES module needs Node 22).
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { pathToFileURL } = require('url');

async function main() {
  const pkg = path.resolve(process.argv[2]);
  const entry = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).main;
  const vectors = await import(pathToFileURL(path.join(pkg, entry)).href);
  const out = process.argv[3];
  fs.mkdirSync(out, { recursive: true });
  let count = 0;
  for (const [name, bytes] of Object.entries(vectors)) {
    if (name === 'default') continue;
    const buf = Buffer.from(bytes);
    const sep = buf.indexOf('\n\n');
    const meta = buf.subarray(0, sep + 1).toString('latin1');
    let body = buf.subarray(sep + 2);
    if (/^compressed: zlib$/m.test(meta)) body = zlib.inflateSync(body);
    fs.writeFileSync(path.join(out, name + '.meta'), meta);
    fs.writeFileSync(path.join(out, name + '.age'), body);
    count++;
  }
  console.log(count);
}

main().catch((e) => {
  console.error('cctv-dump: ' + (e && e.message ? e.message : e));
  process.exit(1);
});
