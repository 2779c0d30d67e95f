"""Where files are kept: a folder under ``instance/`` by default, an S3-compatible bucket when
DOCUMENT_S3_BUCKET is set. The store holds opaque blobs under random keys and nothing else: whoever
puts a blob encrypts it first (every blob is a token of the field cipher, which is how `flask keys
rotate` can re-encrypt them all), and no blob is ever served as a static file.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app

_EXTENSION_KEY = "mexiles.storage"
# Keys are made here, never from a file's name: nothing a user typed reaches a path or an object name.
KEY = re.compile(r"[0-9a-f]{32}")


class StorageError(RuntimeError):
    """The store could not be reached or refused the operation (a network error, a full disk)."""


def new_key() -> str:
    return secrets.token_hex(16)


def _checked(key: str) -> str:
    if not KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStore:
    """A folder of files, one per blob, readable by the app's user alone."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Written beside its place, then moved there: a blob is whole or absent, never half-written.
            handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".part-")
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self._path(key))
        except OSError as error:
            raise StorageError(str(error)) from error

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as error:
            raise StorageError(str(error)) from error

    def remove(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(str(error)) from error

    def keys(self) -> Iterator[str]:
        if self.root.is_dir():
            yield from sorted(p.name for p in self.root.iterdir() if KEY.fullmatch(p.name))


class S3Store:
    """A bucket of S3-compatible object storage (AWS, MinIO, Backblaze, ...), under a prefix."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, data: bytes) -> None:
        with _failures():
            self.client.put_object(
                Bucket=self.bucket, Key=self._name(key), Body=data, ContentType="application/octet-stream"
            )

    def get(self, key: str) -> bytes:
        with _failures():
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()

    def remove(self, key: str) -> None:
        with _failures():
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self) -> Iterator[str]:
        with _failures():
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix) :]
                    if KEY.fullmatch(key):
                        yield key


@contextmanager
def _failures():
    """botocore's errors (connection, timeout, refusal) have no common base but Exception."""
    try:
        yield
    except Exception as error:
        raise StorageError(str(error)) from error


def from_config(config, instance_path: str) -> LocalStore | S3Store:
    if not config["DOCUMENT_S3_BUCKET"]:
        return LocalStore(Path(config["DOCUMENT_STORAGE_PATH"] or Path(instance_path) / "documents"))
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=config["DOCUMENT_S3_ENDPOINT_URL"] or None,
        region_name=config["DOCUMENT_S3_REGION"],
        aws_access_key_id=config["DOCUMENT_S3_ACCESS_KEY_ID"] or None,
        aws_secret_access_key=config["DOCUMENT_S3_SECRET_ACCESS_KEY"] or None,
        # A storage that hangs fails the request well inside a web worker's timeout, after few tries.
        config=Config(
            connect_timeout=config["DOCUMENT_S3_TIMEOUT_SECONDS"],
            read_timeout=config["DOCUMENT_S3_TIMEOUT_SECONDS"],
            retries={"max_attempts": config["DOCUMENT_S3_RETRIES"], "mode": "standard"},
        ),
    )
    return S3Store(client, config["DOCUMENT_S3_BUCKET"], config["DOCUMENT_S3_PREFIX"])


def init_app(app: Flask) -> None:
    app.extensions[_EXTENSION_KEY] = from_config(app.config, app.instance_path)


def store() -> LocalStore | S3Store:
    return current_app.extensions[_EXTENSION_KEY]
