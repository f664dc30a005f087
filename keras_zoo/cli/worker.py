"""``keras-zoo worker HOST:PORT``: join a search served on another machine, and the ``tune``
flags that serve one (``--serve``, ``--token-file``, ``--no-train``, ``--worker-timeout``,
``--orphan-timeout``)."""

from __future__ import annotations

import argparse
from typing import Any


def add_serve_flags(p: argparse.ArgumentParser) -> None:
    """``tune``'s flags for a search other machines join."""
    p.add_argument("--serve", metavar="HOST:PORT",
                   help="serve the search to workers on other machines (keras-zoo worker "
                        "HOST:PORT); 0.0.0.0:PORT listens on every interface and needs a token")
    p.add_argument("--token-file", dest="token_file", metavar="FILE",
                   help="the token workers must present (default: $KERAS_ZOO_TOKEN; on "
                        "127.0.0.1 without one, a random token is written to "
                        "DIRECTORY/.keras-zoo-token)")
    p.add_argument("--no-train", action="store_true", dest="no_train",
                   help="with --serve: only serve; remote workers train every trial")
    p.add_argument("--worker-timeout", type=float, dest="worker_timeout", metavar="S",
                   help="with --serve: seconds without a heartbeat before a remote worker's "
                        "trial goes to another worker (default 30)")
    p.add_argument("--orphan-timeout", type=float, dest="orphan_timeout", metavar="S",
                   help="with --serve --no-train: seconds to wait while trials are left and no "
                        "worker is connected, before the search stops with the command that "
                        "resumes it (default 600)")


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``search()`` keywords the serve flags give."""
    from keras_zoo.tuning.runtime.wire import read_token

    options: dict[str, Any] = {}
    if args.serve:
        options["serve"] = args.serve
    if args.token_file:
        options["token"] = read_token(token_file=args.token_file)
    if args.no_train:
        options["train"] = False
    if args.worker_timeout is not None:
        options["worker_timeout"] = args.worker_timeout
    if args.orphan_timeout is not None:
        options["orphan_timeout"] = args.orphan_timeout
    return options


def add_worker_parser(sub: Any) -> None:
    p = sub.add_parser(
        "worker", help="join a search served on another machine (tune --serve)",
        description="Join the search a chief serves at HOST:PORT (keras-zoo tune ... --serve "
                    "HOST:PORT): get its job from the chief, train trials until the search is "
                    "done, send every result and model back, then exit 0. Needs only the "
                    "address and the chief's token; no shared filesystem.")
    p.add_argument("address", metavar="HOST:PORT")
    p.add_argument("--token-file", dest="token_file", metavar="FILE",
                   help="the chief's token (default: $KERAS_ZOO_TOKEN)")
    p.add_argument("--devices", nargs="+",
                   help="cpu, or GPUs (/GPU:0 /GPU:1): one worker process per GPU (default: "
                        "one process, the first GPU it sees, else the CPU)")
    p.add_argument("--work-dir", dest="work_dir", metavar="DIR",
                   help="where trials train before their results go to the chief (default: a "
                        "temporary folder, deleted at the end)")
    p.add_argument("--allow-import", action="append", default=[], dest="allow_imports",
                   metavar="MODULE",
                   help="a module or package whose functions the chief may name as the factory "
                        "(repeatable); by default a worker runs registered zoo models only")
    p.add_argument("--reconnect-timeout", type=float, default=60.0, dest="reconnect_timeout",
                   metavar="S", help="seconds to wait for a chief that cannot be reached (not "
                                     "started yet, restarting) before giving up (default 60)")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    from keras_zoo.tuning.runtime.remote import work

    devices = args.devices if not args.devices or len(args.devices) > 1 else args.devices[0]
    work(args.address, token_file=args.token_file, devices=devices, work_dir=args.work_dir,
         reconnect_timeout=args.reconnect_timeout, allow_imports=args.allow_imports)
    return 0
