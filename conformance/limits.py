"""The documented numbers and error codes of DeleteVectors, in one place.

The oracle, the strategies and the target all import these instead of spelling 500 or 1024
themselves (digest §5.1, §7, §4.3). Numbers that page versions disagree on are not here: they
are configuration (digest §8 A13).
"""

from __future__ import annotations

MIN_UNIQUE_KEYS = 1
MAX_UNIQUE_KEYS = 500  # DeleteVectors: 1 to 500 unique keys
MAX_KEY_CHARS = 1024  # vector keys: 1 to 1024 characters (PutVectors, GetVectors)
MAX_GET_KEYS = 100  # GetVectors: 1 to 100 keys a call
MAX_PUT_VECTORS = 500  # PutVectors: 1 to 500 vectors a call
CLOCK_SKEW_S = 15 * 60  # the documented signing window
SURE_SKEW_S = 20 * 60  # skew the suite calls wrong for sure: the window plus room for the client's own clock

PARAM_INVALID = "VectorIndexParameterInvalid"
MALFORMED_JSON = "MalformedJson"
ACCESS_DENIED = "AccessDenied"
NO_SUCH_INDEX = "NoSuchVectorIndex"
NO_SUCH_BUCKET = "NoSuchBucket"
INVALID_DIGEST = "InvalidDigest"
THROTTLE_CODE = "QpsLimitExceeded"

DOCUMENTED_QUERY = "deleteVectors"  # the request line the API page shows: POST /?deleteVectors
SDK_QUERY = "deleteVectors="  # what the Python SDK sends; both canonicalise alike
