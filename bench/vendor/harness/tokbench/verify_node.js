// Copied from ../shared/baseline/bench/tokbench/verify_node.js (the baseline token bench).
// Per-call cost of verifying the same token with @clerk/backend verifyToken({jwtKey}) in Node,
// plus Node crypto floors. Run from anywhere; resolves @clerk/backend from seed-express.
//   node verify_node.js <public.pem> <token-file> [n=5000] [repeats=5] [node_modules dir]
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const [pemPath, tokPath, nArg, repArg, nmArg] = process.argv.slice(2);
const N = parseInt(nArg || "5000", 10);
const R = parseInt(repArg || "5", 10);
const nm = nmArg || path.resolve(__dirname, "../../seed-express/node_modules");
const backend = require(path.join(nm, "@clerk/backend"));
const backendPkg = require(path.join(nm, "@clerk/backend/package.json"));
const pem = fs.readFileSync(pemPath, "utf8");
const token = fs.readFileSync(tokPath, "utf8").trim();

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const r2 = (x) => Math.round(x * 100) / 100;

async function bench(fn, n, repeats, concurrency = 1) {
  for (let i = 0; i < Math.min(200, n); i++) await fn();
  const walls = [], cpus = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage(); const w0 = process.hrtime.bigint();
    if (concurrency === 1) {
      for (let i = 0; i < n; i++) await fn();
    } else {
      let next = 0;
      const worker = async () => { while (next++ < n) await fn(); };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
    const w1 = process.hrtime.bigint(); const c1 = process.cpuUsage(c0);
    walls.push(Number(w1 - w0) / 1000 / n);
    cpus.push((c1.user + c1.system) / n);
  }
  return { wall_us: r2(median(walls)), cpu_us: r2(median(cpus)), wall_us_min: r2(Math.min(...walls)), n, repeats, concurrency };
}

(async () => {
  // @clerk/backend verifyToken (legacy-return wrapper in v1: throws on error, returns payload)
  const clerkVerify = () => backend.verifyToken(token, { jwtKey: pem });
  const payload = await clerkVerify();
  if (!String(payload.sub).startsWith("user_")) throw new Error("verify failed");

  const [h, p, s] = token.split(".");
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, "base64url");
  const keyObj = crypto.createPublicKey(pem);
  const nodeFloor = () => { if (!crypto.verify("RSA-SHA256", data, keyObj, sig)) throw new Error("bad"); };
  const ck = await crypto.subtle.importKey("spki", keyObj.export({ type: "spki", format: "der" }),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
  const subtleFloor = async () => { if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", ck, sig, data))) throw new Error("bad"); };

  const out = {
    node: process.version, clerk_backend: backendPkg.version,
    clerk_verifyToken_seq: await bench(clerkVerify, N, R, 1),
    clerk_verifyToken_c16: await bench(clerkVerify, N, R, 16),
    node_crypto_verify_floor: await bench(nodeFloor, N, R, 1),
    webcrypto_verify_preimported_seq: await bench(subtleFloor, N, R, 1),
  };
  console.log(JSON.stringify(out, null, 2));
})().catch((e) => { console.error(e); process.exit(1); });
