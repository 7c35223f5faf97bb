"""Which bucket and account a request addresses (digest §1).

Three shapes reach the emulator: virtual host (``Host: {bucket}-{acct}.…``), path style
(``/{bucket}/?op``, as the Go SDK does on IP endpoints) and proxy-style absolute targets
(``POST http://bucket-acct.region.oss-vectors.aliyuncs.com/?op``), which is how the Python
SDK reaches a local emulator through ``Config.proxy_host``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote


@dataclass(frozen=True)
class Address:
    """Resolved target. ``account_id`` is None for path style: the caller's account applies."""

    host: str
    bucket: str | None
    account_id: str | None
    path: str
    extra_path: str

    @property
    def bucket_scoped(self) -> bool:
        return self.bucket is not None


def split_absolute_target(raw_path: str) -> tuple[str | None, str]:
    """``http://authority/path`` → (authority, path); a normal ``/path`` → (None, path)."""
    lower = raw_path[:8].lower()
    for scheme in ("http://", "https://"):
        if lower.startswith(scheme):
            rest = raw_path[len(scheme):]
            authority, slash, path = rest.partition("/")
            return authority, slash + path if slash else "/"
    return None, raw_path


def bucket_from_host(host: str) -> tuple[str | None, str | None]:
    """``mybucket-1234.anything[:port]`` → ("mybucket", "1234"); otherwise (None, None)."""
    hostname = host.rsplit("@", 1)[-1]
    if hostname.startswith("["):
        return None, None
    first_label = hostname.split(":", 1)[0].split(".", 1)[0]
    if "." not in hostname.split(":", 1)[0]:
        return None, None
    bucket, sep, account = first_label.rpartition("-")
    if not sep or not bucket or not (account.isascii() and account.isdigit()):
        return None, None
    return bucket, account


@lru_cache(maxsize=1024)
def resolve(raw_path: str, host_header: str | None) -> Address:
    """Combine request target and Host header into an Address (cached: a pure function, and Address is immutable)."""
    authority, path = split_absolute_target(raw_path)
    host = authority if authority is not None else (host_header or "")
    bucket, account = bucket_from_host(host)
    decoded = unquote(path, errors="replace")
    if bucket is not None:
        return Address(host=host, bucket=bucket, account_id=account, path=decoded, extra_path=decoded.lstrip("/"))
    segments = decoded.lstrip("/").split("/", 1)
    if segments[0]:
        rest = segments[1] if len(segments) > 1 else ""
        return Address(host=host, bucket=segments[0], account_id=None, path=decoded, extra_path=rest)
    return Address(host=host, bucket=None, account_id=None, path=decoded, extra_path="")
