"""Where a worker's stack goes when the master aborts it, and how the master reads it back."""
import faulthandler
import os
import re
import tempfile

APP_DIR = os.path.dirname(os.path.abspath(__file__))
FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>.+)$')
THREAD = re.compile(r"^(Current thread|Thread) 0x[0-9a-fA-F]+")


def stack_dump_path(pid):
    return os.path.join(tempfile.gettempdir(), f"gunicorn-worker-{pid}.stack")


def start_stack_dump(pid):
    """faulthandler dumps every thread in C, so it works even while the event loop is blocked in a C call."""
    dump = open(stack_dump_path(pid), "w")  # noqa: SIM115 - faulthandler needs the file kept open
    faulthandler.disable()  # it may already be on in the master (PYTHONFAULTHANDLER, -X faulthandler)
    faulthandler.enable(file=dump, all_threads=True)
    return dump


def take_stack_dump(pid):
    """Reads and removes a worker's dump; None if it wrote nothing (it was not aborted)."""
    path = stack_dump_path(pid)
    try:
        with open(path) as f:
            text = f.read()
        os.remove(path)
    except OSError:
        return None
    return text if text.strip() else None


def blocked_thread_frames(dump):
    """The frames (innermost first) of the event-loop thread: the main thread, whose outermost frame is gunicorn's entry point."""
    threads = []
    for line in dump.splitlines():
        if THREAD.match(line):
            threads.append([])
        else:
            frame = FRAME.match(line)
            if frame and threads:
                threads[-1].append(frame.groupdict())
    if not threads:
        return []
    for frames in threads:
        if frames and "gunicorn" in os.path.basename(frames[-1]["file"]):
            return frames
    return threads[0]


def guilty_frame(frames):
    """The innermost frame in the app's own code; else the innermost frame."""
    for frame in frames:
        if frame["file"].startswith(APP_DIR + os.sep):
            return frame
    return frames[0] if frames else None
