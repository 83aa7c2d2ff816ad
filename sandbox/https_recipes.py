"""`tts-sandbox ca`: where the sandbox's CA is, how each runtime trusts it, and the three routes
that bring a client with TikTok's hostnames built in to the sandbox (docs/https.md tells more)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from sandbox.certificates import (
    CA_KEY,
    SERVED_NAMES,
    TIKTOK_HOSTS,
    CertificateAuthorityError,
    load_or_create,
)

PROXY_PORT = 8332  # the port the recipes suggest for --proxy-port


def ca_command(ca_dir: str | None, path_only: bool) -> int:
    try:
        authority = load_or_create(Path(ca_dir) if ca_dir else None)
    except CertificateAuthorityError as exc:
        print(f"tts-sandbox ca: {exc}", file=sys.stderr)
        return 2
    if path_only:
        print(authority.cert_path)
        return 0
    state = (
        "made now"
        if authority.created
        else "kept since " + authority.certificate.not_valid_before_utc.date().isoformat()
    )
    print(f"CA certificate  {authority.cert_path}   ({state})")
    print(f"  its key       {authority.folder / CA_KEY}   (readable by you only; never share it)")
    print(f"  it vouches for {', '.join(SERVED_NAMES)} only (name constraints)")
    print()
    print(recipes(authority.cert_path))
    return 0


def recipes(ca: Path) -> str:
    pem = shlex.quote(str(ca))
    hosts = " ".join(TIKTOK_HOSTS)
    return f"""\
Trust it (per process; SSL_CERT_FILE replaces the default bundle, so that process trusts only the sandbox):
  Python    export SSL_CERT_FILE={pem} REQUESTS_CA_BUNDLE={pem}
  Node      export NODE_EXTRA_CA_CERTS={pem}
  curl      curl --cacert {pem} https://{TIKTOK_HOSTS[0]}/...
  Java      keytool -importcert -noprompt -alias tts-sandbox -file {pem} \\
              -keystore tts-sandbox.p12 -storetype PKCS12 -storepass changeit
            java -Djavax.net.ssl.trustStore=tts-sandbox.p12 -Djavax.net.ssl.trustStorePassword=changeit ...
  Go        export SSL_CERT_FILE={pem}

Route TikTok's hostnames to the sandbox (pick one):
  1. hosts file: add the line
       127.0.0.1 {hosts}
     to /etc/hosts (C:\\Windows\\System32\\drivers\\etc\\hosts), then serve HTTPS on 443 (a privileged port):
       sudo tts-sandbox serve --https-port 443 --ca-dir {shlex.quote(str(ca.parent))}
  2. Docker Compose: compose.yaml in the repository gives the sandbox's service the network aliases
     {hosts}; services on that network reach it under TikTok's names:
       docker compose up
  3. HTTPS proxy (clients that honour HTTPS_PROXY; the machine's name resolution is untouched):
       tts-sandbox serve --proxy-port {PROXY_PORT}
       export HTTPS_PROXY=http://127.0.0.1:{PROXY_PORT}
     it tunnels only to {", ".join(SERVED_NAMES)} and refuses every other host."""
