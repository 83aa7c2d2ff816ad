// Name resolution for a test only, loaded with `node --require`: TikTok's hostnames are the sandbox
// (127.0.0.1, its HTTPS port), as a hosts-file line and a server on port 443, or Docker's network
// aliases, would make them. TTS_RESOLVE_HOSTS: a JSON list of hostnames; TTS_RESOLVE_PORT: the port.
const dns = require("dns");
const net = require("net");
const HOSTS = new Set(JSON.parse(process.env.TTS_RESOLVE_HOSTS));
const PORT = Number(process.env.TTS_RESOLVE_PORT);
const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  if (!HOSTS.has(hostname)) return lookup.apply(this, arguments);
  if (typeof options === "function") [callback, options] = [options, {}];
  if (options && options.all) return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
  return process.nextTick(callback, null, "127.0.0.1", 4);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const options = args[0];
  if (options && typeof options === "object" && HOSTS.has(options.host) && Number(options.port) === 443) {
    args[0] = { ...options, port: PORT };
  }
  return connect.apply(this, args);
};
