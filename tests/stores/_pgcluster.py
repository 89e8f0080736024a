"""A throwaway PostgreSQL cluster in a temporary directory, on a unix socket only.

Used by the store tests' session fixture and by ``benchmarks/bench_stores.py``.  ``initdb``
refuses to run as root, so under root the server runs as the ``postgres`` user via
``runuser``.  Any reason the cluster cannot be had is raised as :class:`ClusterUnavailable`.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import List, Optional

# fsync is off because nothing here kills the server, only clients: durability against a lost
# machine is PostgreSQL's own business, and syncing would only slow the tests down.
_SERVER_SETTINGS = (
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=200"
)


class ClusterUnavailable(Exception):
    """No PostgreSQL server can be started here; the message says why."""


@dataclass(frozen=True)
class PgServer:
    socket_dir: str
    stop_command: tuple[str, ...]
    user: str = "postgres"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} user={self.user} dbname={dbname}"

    def stop(self) -> None:
        subprocess.run(self.stop_command, capture_output=True, check=False)
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def server_bindir() -> Optional[str]:
    override = os.environ.get("SKE_PG_BINDIR")
    candidates = [override] if override else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(os.path.dirname(on_path))
    for bindir in candidates:
        if os.access(os.path.join(bindir, "initdb"), os.X_OK):
            return bindir
    return None


def _as_server_user() -> List[str]:
    """Command prefix that runs the server as a non-root user (empty when we are not root)."""
    if os.geteuid() != 0:
        return []
    # runuser lives in sbin, which a minimal PATH may leave out.
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    runuser = shutil.which("runuser", path=search)
    if runuser is None:
        raise ClusterUnavailable("running as root and 'runuser' is missing, so initdb cannot run")
    return [runuser, "-u", "postgres", "--"]


def _run(command: List[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ClusterUnavailable(f"{what} failed ({done.returncode}): {done.stderr[-500:]}")


def start() -> PgServer:
    bindir = server_bindir()
    if bindir is None:
        raise ClusterUnavailable("no PostgreSQL server binaries found (apt-get install postgresql)")
    prefix = _as_server_user()
    root = tempfile.mkdtemp(prefix="ske-pg-")
    if prefix:
        shutil.chown(root, user="postgres")
    data = os.path.join(root, "data")
    pg_ctl = [*prefix, f"{bindir}/pg_ctl", "-D", data]
    server = PgServer(root, (*pg_ctl, "-m", "immediate", "stop"))
    try:
        _run(
            [
                *prefix,
                f"{bindir}/initdb",
                "-D",
                data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            "initdb",
        )
        _run(
            [
                *pg_ctl,
                "-l",
                os.path.join(root, "server.log"),
                "-w",
                "-o",
                f"{_SERVER_SETTINGS} -k {root}",
                "start",
            ],
            "pg_ctl start",
        )
    except BaseException:
        server.stop()
        raise
    return server
