"""Prints, as JSON, what really runs in the app container.

Versions of gunicorn, uvicorn, FastAPI and Python, the worker class (argv[1]), and what its "auto" picks in this
image. UvicornWorker: httptools or h11 to parse HTTP (httptools only if it imports), as `pip install uvicorn[standard]`
would bring. gunicorn's asgi worker: its C parser gunicorn_h1c if it imports, else its Python parser. Both: uvloop
or asyncio. The harness passes it with `python3 -c` (harness/stack/app-handle.ts).
"""

import json
import platform
import sys

import fastapi
import gunicorn

found = {"gunicorn": gunicorn.__version__, "fastapi": fastapi.__version__, "python": platform.python_version(), "worker": sys.argv[1]}
try:
    import uvicorn

    found["uvicorn"] = uvicorn.__version__
except ImportError:
    pass
try:
    if sys.argv[1] == "asgi":
        try:
            import gunicorn_h1c  # noqa: F401

            found["http"] = "gunicorn_h1c"
        except ImportError:
            found["http"] = "gunicorn's Python parser"
    else:
        from uvicorn.protocols.http.auto import AutoHTTPProtocol

        found["http"] = {"HttpToolsProtocol": "httptools", "H11Protocol": "h11"}.get(AutoHTTPProtocol.__name__, AutoHTTPProtocol.__name__)
except Exception:
    pass
try:
    import uvloop

    found["loop"] = "uvloop " + uvloop.__version__
except ImportError:
    found["loop"] = "asyncio"
print(json.dumps(found))
