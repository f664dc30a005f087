"""``keras-zoo worker HOST:PORT``: join a search served on another machine, and the ``tune``
flags that serve one (``--serve``, ``--token-file``, ``--no-train``, ``--worker-timeout``,
``--orphan-timeout``)."""

from __future__ import annotations

import argparse
from typing import Any


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



def cmd_worker(args: argparse.Namespace) -> int:
    from keras_zoo.tuning.runtime.remote import work

    devices = args.devices if not args.devices or len(args.devices) > 1 else args.devices[0]
    work(args.address, token_file=args.token_file, devices=devices, work_dir=args.work_dir,
         reconnect_timeout=args.reconnect_timeout, allow_imports=args.allow_imports)
    return 0
