"""TLS that trusts what the operating system trusts.

Every HTTPS client of the app verifies fal's certificates against the system's trust store
(Keychain on macOS, the certificate store on Windows, the distribution's CA bundle on Linux,
which also honours ``SSL_CERT_FILE``/``SSL_CERT_DIR``) through truststore, not against a CA
bundle shipped with the app. So the app works behind a company proxy that inspects TLS with a
certificate the IT department installed, as the user's browser does.
"""

from __future__ import annotations

import ssl
from functools import cache

__all__ = ["UNTRUSTED", "is_untrusted_certificate", "system_trust"]

UNTRUSTED = (
    "fal's certificate is not trusted by this computer, so nothing was sent. If your network "
    "inspects encrypted traffic (a company proxy), its certificate must be installed in the "
    "system's trust store, as for your web browser."
)


@cache
def system_trust() -> ssl.SSLContext:
    """The one TLS context of this process (thread-safe; shared by every client)."""
    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def is_untrusted_certificate(exc: BaseException) -> bool:
    """Whether a transport failure was the server's certificate failing verification."""
    seen: BaseException | None = exc
    for _ in range(8):  # httpx → httpcore → ssl: a short chain of causes
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
