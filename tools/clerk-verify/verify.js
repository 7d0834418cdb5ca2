#!/usr/bin/env node
// Clerk's own verdict on session tokens: @clerk/backend's verifyToken, pinned in package-lock.json.
//
// Input on stdin: JSON lines, or one JSON array, of {token, pem, authorizedParties}.
// Output on stdout: one JSON line per input, in order:
//   {"ok": true, "sub": "user_..."}  or  {"ok": false, "reason": "token-expired", "message": "..."}
// Exits non-zero only when it cannot run at all (no @clerk/backend, unreadable input).
//
//   npm ci --prefix tools/clerk-verify --no-audit --no-fund
//   echo '{"token": "...", "pem": "-----BEGIN PUBLIC KEY-----...", "authorizedParties": []}' \
//     | node tools/clerk-verify/verify.js
"use strict";

const fs = require("fs");
const path = require("path");

let backend;
let backendVersion;
try {
  backend = require("@clerk/backend");
  backendVersion = require("@clerk/backend/package.json").version;
} catch (err) {
  const dir = path.relative(process.cwd(), __dirname) || ".";
  console.error(
    `@clerk/backend is not installed in ${dir}/node_modules: run ` +
      `'npm ci --prefix ${dir} --no-audit --no-fund' (scripts/test.sh does). ${err.message}`,
  );
  process.exit(2);
}

function parseInput(text) {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (trimmed.startsWith("[")) return JSON.parse(trimmed);
  return trimmed
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

async function verdict({ token, pem, authorizedParties }) {
  try {
    // verifyToken from the package root throws the first TokenVerificationError, else returns
    // the payload. No `issuer` option: Clerk's verifyToken does not check `iss` by default.
    const payload = await backend.verifyToken(token, { jwtKey: pem, authorizedParties });
    return { ok: true, sub: payload && payload.sub };
  } catch (err) {
    return {
      ok: false,
      reason: (err && err.reason) || "exception",
      message: String((err && err.message) || err).slice(0, 300),
    };
  }
}

(async () => {
  const requests = parseInput(fs.readFileSync(0, "utf8"));
  const out = [];
  for (const request of requests) {
    out.push(JSON.stringify({ ...(await verdict(request)), clerkBackend: backendVersion }));
  }
  process.stdout.write(out.length ? out.join("\n") + "\n" : "");
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
