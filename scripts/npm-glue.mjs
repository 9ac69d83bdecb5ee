// Edits wasm-bindgen's JavaScript glue of the npm package in place (scripts/build-npm.sh):
//
//   node scripts/npm-glue.mjs crates/contact-wasm/pkg/zyntro_contact.js
//
// The glue copies a string into wasm memory one character at a time in JavaScript
// while it is ASCII, and only then hands the rest to TextEncoder.encodeInto. A request
// body is hundreds of ASCII characters, and that loop cost about 2 µs of a 20 µs
// validateRequest; encodeInto copies the same bytes natively in a fifth of the time.
// Strings longer than 32 characters now go to encodeInto at once, into room for the
// worst case (3 bytes per UTF-16 unit), shrunk in place to what was written; shorter
// ones keep the loop, which is faster for them. The edit is made on the exact text
// of wasm-bindgen's function, so a release that changes it fails the build here.
//
// It also copies the functions the Rust code defines in JavaScript (`inline_js`),
// which wasm-bindgen writes to files under snippets/ and imports, into the glue
// itself, and removes snippets/: the package stays one JavaScript file, and a page
// loads no second one before its first verdict.
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

const file = process.argv[2];
let glue = readFileSync(file, "utf8");
const fail = (why) => {
  console.error(`npm-glue: ${file}: ${why}`);
  process.exit(1);
};
// wasm-bindgen imports a snippet as a namespace (for the wasm module's imports) and,
// when the glue wraps one of its functions, by name too.
const snippetImport = /^import (\* as (\w+)|\{ ([\w, ]+) \}) from (["'])\.\/(snippets\/[^"']+\.js)\4;?\n/gm;
const inlined = new Map(); // snippet path → its function names
glue = glue.replace(snippetImport, (_, __, namespace, named, ___, path) => {
  let declared = "";
  if (!inlined.has(path)) {
    const source = readFileSync(join(dirname(file), path), "utf8");
    const names = [...source.matchAll(/^export function (\w+)\(/gm)].map((m) => m[1]);
    if (names.length === 0 || /^export (?!function )/m.test(source)) fail(`${path} exports something other than functions`);
    if (names.some((n) => new RegExp(`\\b(function|const|let|var) ${n}\\b`).test(glue))) fail(`${path} declares a name the glue declares`);
    inlined.set(path, names);
    declared = `${source.replace(/^export function /gm, "function ").trimEnd()}\n`;
  }
  if (named && named.split(",").some((n) => !inlined.get(path).includes(n.trim()))) fail(`imports ${named} from ${path}, which does not declare them all`);
  return declared + (namespace ? `const ${namespace} = { ${inlined.get(path).join(", ")} };\n` : "");
});
if (/snippets\//.test(glue.replace(/^\s*"\.\/snippets\/[^"]+": import\d+,$/gm, ""))) fail("imports a snippet it cannot inline");
rmSync(join(dirname(file), "snippets"), { recursive: true, force: true });
const anchor = `function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;`;
const replacement = `function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    if (arg.length > 32) {
        const room = arg.length * 3;
        const ptr = malloc(room, 1) >>> 0;
        const { written } = cachedTextEncoder.encodeInto(arg, getUint8ArrayMemory0().subarray(ptr, ptr + room));
        WASM_VECTOR_LEN = written;
        return realloc(ptr, room, written, 1) >>> 0;
    }

    let len = arg.length;`;
const at = glue.indexOf(anchor);
if (at < 0 || glue.indexOf(anchor, at + 1) >= 0) fail("does not hold wasm-bindgen's passStringToWasm0 as expected, once");
writeFileSync(file, glue.replace(anchor, replacement));
