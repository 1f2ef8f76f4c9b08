"""A local S3-compatible server for tests: moto's server (from PyPI) on a free loopback
port, in this process's threads. It speaks S3's HTTP API, so boto3 talks to it over real
HTTP, signatures and all, as it would to MinIO or AWS."""

from __future__ import annotations

import secrets

from tests.redis_server import free_port

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "imagine-test",
    "AWS_SECRET_ACCESS_KEY": "imagine-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class S3Server:
    def __init__(self) -> None:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()

    def client(self):
        import boto3

        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        ).client("s3", endpoint_url=self.endpoint_url)

    def new_bucket(self) -> str:
        name = f"imagine-{secrets.token_hex(4)}"
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        self._server.stop()
