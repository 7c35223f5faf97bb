from emu_helpers import RawClient


def test_smoke(raw: RawClient, bucket: str) -> None:
    raw.put(bucket, "idx", ["a", "b", "c"])
    assert raw.keys(bucket) == {"a", "b", "c"}
    r = raw.delete(bucket, ["a", "zz"])
    assert r.status_code == 204, r.text
    assert raw.keys(bucket) == {"b", "c"}
    r = raw.delete(bucket, ["b"], mode="query")
    assert r.status_code == 204, r.text
