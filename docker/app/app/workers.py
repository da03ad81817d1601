"""UvicornWorker that lets gunicorn's worker_int hook run, and leaves a stack dump when aborted.

Stock UvicornWorker resets the worker's signal handlers and uvicorn's Server installs its own for
SIGINT/SIGTERM, so gunicorn's worker_int never runs. This class keeps stock behaviour (graceful
shutdown, signals re-raised by uvicorn 0.29+, exit codes, what the master logs) and only adds:
- worker_int(worker) on the first SIGTERM/SIGINT/SIGQUIT, with worker.interrupt_signal set;
- faulthandler writing every thread's stack to a per-pid file on SIGABRT (the master reads it).
"""
import os
import signal

import uvicorn.workers
from uvicorn.workers import UvicornWorker

from .stack_dump import start_stack_dump


class HookedUvicornWorker(UvicornWorker):
    interrupt_signal = None

    def init_process(self):
        worker = self
        stock_server = uvicorn.workers.Server

        class Server(stock_server):
            def handle_exit(self, sig, frame):
                worker.announce_interrupt(sig)
                super().handle_exit(sig, frame)

        # Patched in this worker process only (after the fork); the master's module is untouched.
        uvicorn.workers.Server = Server
        super().init_process()

    def init_signals(self):
        super().init_signals()
        self._stack_dump = start_stack_dump(os.getpid())
        # uvicorn < 0.29 leaves SIGQUIT at its default action: announce it, then die by it as stock does.
        # uvicorn 0.29+ replaces this handler with its own, which calls handle_exit below.
        signal.signal(signal.SIGQUIT, self._announce_and_die_by_sigquit)

    def handle_exit(self, sig, frame):
        self.announce_interrupt(sig)
        super().handle_exit(sig, frame)

    def _announce_and_die_by_sigquit(self, sig, frame):
        self.announce_interrupt(sig)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGQUIT)

    def announce_interrupt(self, sig):
        if self.interrupt_signal is None:
            self.interrupt_signal = signal.Signals(sig).name
            self.cfg.worker_int(self)
