// cctv-dump.js MODULE_DIR OUT_DIR - writes each C2SP age vector of the
// cctv-age npm package as OUT_DIR/NAME.meta (its "key: value" lines) and
// OUT_DIR/NAME.age (the age file, inflated when "compressed: zlib").
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const vectors = require(path.resolve(process.argv[2]));
const out = process.argv[3];
fs.mkdirSync(out, { recursive: true });
let count = 0;
for (const [name, bytes] of Object.entries(vectors)) {
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
