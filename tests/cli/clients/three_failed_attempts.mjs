// A TikTok Shop client for the three-failed-attempts scenario, run by `tts-sandbox test`, in Node's
// standard library only (fetch, node:crypto). Every six hours of virtual time it ships what awaits
// shipment, looks at each order it shipped and polls its tracking; it refreshes its access token
// every three days. With --never-poll-tracking (or TTS_CLIENT_MODE=never-poll-tracking) it never
// polls tracking, and the scenario's tracking expectation fails.
//
//   tts-sandbox test three-failed-attempts --junit report.xml -- node three_failed_attempts.mjs
import { createHmac } from "node:crypto";

const env = process.env;
const BASE = env.TTS_SANDBOX_BASE_URL;
const AUTH = env.TTS_SANDBOX_AUTH_URL;
const CONTROL = env.TTS_SANDBOX_CONTROL_URL;
const APP_KEY = env.TTS_SANDBOX_APP_KEY;
const APP_SECRET = env.TTS_SANDBOX_APP_SECRET;
const SHOP_CIPHER = env.TTS_SANDBOX_SHOP_CIPHER;
let accessToken = env.TTS_SANDBOX_ACCESS_TOKEN;
let refreshToken = env.TTS_SANDBOX_REFRESH_TOKEN;
const pollsTracking = !(
  process.argv.includes("--never-poll-tracking") || env.TTS_CLIENT_MODE === "never-poll-tracking"
);

// The platform's signature: HMAC-SHA256 keyed with the app secret over
// secret + path + sorted key+value pairs (not sign, not access_token) + body + secret.
function sign(path, params, body) {
  const pairs = Object.keys(params)
    .filter((key) => key !== "sign" && key !== "access_token")
    .sort()
    .map((key) => key + params[key])
    .join("");
  const text = APP_SECRET + path + pairs + (body ?? "") + APP_SECRET;
  return createHmac("sha256", APP_SECRET).update(text, "utf8").digest("hex");
}

async function call(method, path, { query = {}, body } = {}) {
  const params = { app_key: APP_KEY, timestamp: String(Math.floor(Date.now() / 1000)), ...query };
  if (!path.startsWith("/authorization/")) params.shop_cipher = SHOP_CIPHER;
  const text = body === undefined ? undefined : JSON.stringify(body);
  params.sign = sign(path, params, text);
  const headers = { "x-tts-access-token": accessToken };
  if (text !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${BASE}${path}?${new URLSearchParams(params)}`, { method, headers, body: text });
  const answer = await response.json();
  if (answer.code !== 0) throw new Error(`${method} ${path}: ${answer.code} ${answer.message}`);
  return answer.data;
}

async function control(path, body) {
  const response = await fetch(`${CONTROL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Sandbox-Tenant": env.TTS_SANDBOX_TENANT },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

async function refresh() {
  const query = new URLSearchParams({
    app_key: APP_KEY,
    app_secret: APP_SECRET,
    refresh_token: refreshToken,
    grant_type: "refresh_token",
  });
  const answer = await (await fetch(`${AUTH}/api/v2/token/refresh?${query}`)).json();
  if (answer.code !== 0) throw new Error(`token refresh: ${answer.code} ${answer.message}`);
  accessToken = answer.data.access_token;
  refreshToken = answer.data.refresh_token ?? refreshToken;
}

const shipped = new Set(); // order IDs
const STEPS = 8 * 4; // eight days, six hours at a time
for (let step = 0; step < STEPS; step++) {
  if (step > 0 && step % 12 === 0) await refresh();
  const waiting = await call("POST", "/order/202309/orders/search", {
    query: { page_size: "50" },
    body: { order_status: "AWAITING_SHIPMENT" },
  });
  for (const order of waiting.orders ?? []) {
    if (shipped.has(order.id)) continue;
    const [detail] = (await call("GET", "/order/202309/orders", { query: { ids: order.id } })).orders;
    if (detail.shipping_type !== "TIKTOK") continue;
    for (const pkg of detail.packages ?? []) {
      await call("POST", `/fulfillment/202309/packages/${pkg.id}/ship`, { body: { handover_method: "DROP_OFF" } });
    }
    shipped.add(order.id);
  }
  for (const id of shipped) {
    const [detail] = (await call("GET", "/order/202309/orders", { query: { ids: id } })).orders;
    if (pollsTracking && detail.status !== "CANCELLED") {
      await call("GET", `/fulfillment/202309/orders/${id}/tracking`);
    }
  }
  await control("/clock/advance", { by: "6h" });
}
console.log(`shipped ${shipped.size} order(s); tracking ${pollsTracking ? "polled" : "never polled"}`);
