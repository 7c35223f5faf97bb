"""The DeleteVectors conformance checks. Run them with ``ossv-conformance run`` (or ``pytest --pyargs conformance.suite``)."""
