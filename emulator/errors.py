"""Service errors and their wire rendering (digest §4).

The Python SDK only parses a JSON error when Content-Type is exactly ``application/json``
(§4.2), and takes RequestId from the body, so both must be right on every error; the
``error_*`` faults break exactly those properties, one at a time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from xml.sax.saxutils import escape

# EC values: the documented ones (§4.3) where known, otherwise stable made-up ones in the same family.
EC_CODES: dict[str, str] = {
    "AccessDenied": "0003-00000001",
    "InvalidAccessKeyId": "0002-00000902",
    "SignatureDoesNotMatch": "0002-00000040",
    "RequestTimeTooSkewed": "0002-00000504",
    "InvalidSecurityToken": "0002-00000901",
    "InvalidDigest": "0017-00000503",  # a Content-MD5 that does not match the body (0017-00000502: not 16 bytes), §2
    "NoSuchBucket": "0015-00000101",
    "NoSuchVectorIndex": "0037-00000101",
    "MalformedJson": "0037-00000201",
    "VectorIndexParameterInvalid": "0037-00000301",
    "QpsLimitExceeded": "0037-00000503",
    "InvalidArgument": "0017-00000001",
    "MethodNotAllowed": "0017-00000002",
    "EntityTooLarge": "0017-00000003",
    "InvalidRequest": "0017-00000004",
    "RequestURITooLong": "0017-00000005",
    "RequestHeaderTooLarge": "0017-00000006",
    "InvalidVectorBucketName": "0015-00000201",
    "BucketAlreadyExists": "0015-00000202",
    "VectorBucketNotEmpty": "0015-00000301",
    "TooManyBuckets": "0015-00000401",
    "NoSuchBucketPolicy": "0031-00000101",
    "InvalidPolicyDocument": "0031-00000201",
    "VectorIndexAlreadyExists": "0037-00000102",
    "TooManyVectorIndexes": "0037-00000401",
    "InternalError": "0000-00000001",
}

SERVER = "AliyunOSS"


def new_request_id() -> str:
    """24 upper-case hex characters, like the live service (§7)."""
    return secrets.token_hex(12).upper()


class ServiceError(Exception):
    """An error answer; raised anywhere in request handling and rendered once in the app."""

    def __init__(self, status: int, code: str, message: str, ec: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.ec = ec or EC_CODES.get(code, "0000-00000000")


def digest_error(header: str | None, body: bytes) -> ServiceError | None:
    """The documented 400 InvalidDigest when a Content-MD5 header does not match the body (§2), else None."""
    if header is None:
        return None
    value = header.strip()
    if value == base64.b64encode(hashlib.md5(body).digest()).decode():
        return None
    try:
        decodes = len(base64.b64decode(value, validate=True)) == 16
    except (binascii.Error, ValueError):
        decodes = False
    ec = "0017-00000503" if decodes else "0017-00000502"
    return ServiceError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.", ec)


def json_error_body(err: ServiceError, request_id: str, host_id: str, bucket: str | None) -> bytes:
    inner: dict[str, str] = {
        "Code": err.code,
        "Message": err.message,
        "RequestId": request_id,
        "HostId": host_id,
    }
    if bucket is not None:
        inner["BucketName"] = bucket
    inner["EC"] = err.ec
    inner["RecommendDoc"] = f"https://api.aliyun.com/troubleshoot?q={err.ec}"
    return json.dumps({"Error": inner}).encode("utf-8")


def xml_error_body(err: ServiceError, request_id: str, host_id: str) -> bytes:
    """The classic OSS XML error (the ``error_format=xml`` option, and the ``error_xml`` fault)."""
    parts = [("Code", err.code), ("Message", err.message), ("RequestId", request_id), ("HostId", host_id), ("EC", err.ec)]
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in parts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'.encode()
