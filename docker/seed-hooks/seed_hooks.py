"""The seed deployment's two gunicorn hooks, exactly as it writes them: one copy for both seed-shaped configs.

The demo's seed config (docker/app/gunicorn_seed.conf.py) and the seed backend's config
(examples/seed-backend/backend/gunicorn.conf.py) import them; each Dockerfile copies this file next to its config
(examples/seed-backend/seed-hooks is a symlink to this folder). Under stock UvicornWorker neither hook ever runs.
"""


def worker_int(worker):
    print("=" * 80)
    print(f"WORKER INTERRUPT SIGNAL RECEIVED - PID {worker.pid}")
    print("This is normal during deploys, restarts, and config reloads.")
    print("Investigate only if this happens frequently outside of deployments.")
    print("=" * 80)


def worker_abort(worker):
    print("=" * 80)
    print(f"CRITICAL: WORKER ABORTED - PID {worker.pid}")
    print(f"The worker exceeded the {worker.cfg.timeout}s timeout and was aborted.")
    print("Check for slow database queries, blocking I/O in async code, or infinite loops.")
    print("=" * 80)
