// The GraphQL-over-HTTP audit of the npm package graphql-http, against a
// running server:
//
//   GRAPHQL_HTTP_AUDIT_DIR=DIR node tests/graphql_http_audit.mjs URL [TOKEN]
//
// DIR is where graphql-http is installed (DIR/node_modules/graphql-http; .ci/run
// installs it). With a TOKEN every request carries "Authorization: Bearer TOKEN".
// Prints the results as JSON: [{id, name, status ("ok" | "warn" | "error"), reason}].
import { createRequire } from "node:module";
import path from "node:path";

const [url, token] = process.argv.slice(2);
const require = createRequire(path.join(process.env.GRAPHQL_HTTP_AUDIT_DIR, "node_modules", "audit.js"));
const { auditServer } = require("graphql-http");

function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: token ? fetchWithToken : fetch });
console.log(JSON.stringify(results.map(({ id, name, status, reason }) => ({ id, name, status, reason })), null, 1));
