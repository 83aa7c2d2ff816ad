// A TikTok Shop client with the platform's host built in, as the npm clients have it: no base URL to
// change. Pointed at the sandbox only by name resolution and trust (NODE_EXTRA_CA_CERTS), it lists
// the shops and the orders awaiting shipment, ships the first one's package by drop-off, refreshes
// its token on the auth host, and prints what it saw as JSON. Node's standard library only.
import { createHmac } from "node:crypto";

const API = "https://open-api.tiktokglobalshop.com";
const AUTH = "https://auth.tiktok-shops.com";
const APP_KEY = process.env.APP_KEY ?? "sandbox_app_key";
const APP_SECRET = process.env.APP_SECRET ?? "sandbox_app_secret";
const ACCESS_TOKEN = process.env.ACCESS_TOKEN ?? "TTP_sandbox_access_token";

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

async function call(method, path, { query = {}, body, cipher } = {}) {
  const params = { app_key: APP_KEY, timestamp: String(Math.floor(Date.now() / 1000)), ...query };
  if (cipher) params.shop_cipher = cipher;
  const text = body === undefined ? undefined : JSON.stringify(body);
  params.sign = sign(path, params, text);
  const headers = { "x-tts-access-token": ACCESS_TOKEN };
  if (text !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${API}${path}?${new URLSearchParams(params)}`, { method, headers, body: text });
  const answer = await response.json();
  if (answer.code !== 0) throw new Error(`${method} ${path}: ${answer.code} ${answer.message}`);
  return answer.data;
}

const shops = (await call("GET", "/authorization/202309/shops")).shops;
const cipher = shops[0].cipher;
const waiting = await call("POST", "/order/202309/orders/search", {
  query: { page_size: "20" },
  body: { order_status: "AWAITING_SHIPMENT" },
  cipher,
});
const orderId = waiting.orders[0].id;
const detail = await call("GET", "/order/202309/orders", { query: { ids: orderId }, cipher });
const packageId = detail.orders[0].packages[0].id;
await call("POST", `/fulfillment/202309/packages/${packageId}/ship`, {
  body: { handover_method: "DROP_OFF" },
  cipher,
});
const after = await call("GET", "/order/202309/orders", { query: { ids: orderId }, cipher });

const refresh = new URLSearchParams({
  app_key: APP_KEY,
  app_secret: APP_SECRET,
  refresh_token: "TTP_sandbox_refresh_token",
  grant_type: "refresh_token",
});
const token = await (await fetch(`${AUTH}/api/v2/token/refresh?${refresh}`)).json();

console.log(
  JSON.stringify({
    shop_cipher: cipher,
    awaiting_shipment: waiting.orders.length,
    shipped_order: orderId,
    shipped_package: packageId,
    status_after: after.orders[0].status,
    refresh_code: token.code,
  }),
);
