"""A real PostgreSQL server for tests, from Debian's packages: initdb and pg_ctl into a
temporary folder, a free loopback port, no durability (fsync off). One per test session;
each test gets a fresh, empty schema of one test database (:meth:`PostgresServer.new_database`:
a schema costs milliseconds where a database copies megabytes of files)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.redis_server import free_port

INSTALL_HINT = (
    "PostgreSQL is not installed: `apt-get install postgresql` (make test does it); "
    "the store's tests on PostgreSQL need initdb and pg_ctl"
)


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, or one on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError(INSTALL_HINT)
        self.bin = bin_dir
        # initdb refuses to run as root: then the server runs as Debian's postgres user,
        # in a folder it owns (pytest's tmp_path is private to root).
        self._as: list[str] = []
        self.folder = Path(tempfile.mkdtemp(prefix="imagine-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = "imagine"
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )
        self._databases = 0
        self.database = "imagine_tests"
        self._sql(f'CREATE DATABASE "{self.database}"', database="postgres")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self._as, str(self.bin / program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty schema on this server; returns the URL that works in it (asyncpg
        passes ``search_path`` on as a server setting, so every table lands there)."""
        self._databases += 1
        schema = f"test_{os.getpid()}_{self._databases}"
        self._sql(f'CREATE SCHEMA "{schema}"')
        return f"{self.url(self.database)}?search_path={schema}"

    def _sql(self, statement: str, database: str | None = None) -> None:
        where = ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user]
        subprocess.run(
            [str(self.bin / "psql"), *where, "-d", database or self.database, "-qc", statement],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
