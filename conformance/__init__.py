"""Property-based conformance suite for the OSS Vectors DeleteVectors API."""

__version__ = "0.1.0"
