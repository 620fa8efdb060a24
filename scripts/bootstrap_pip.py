"""Install pip into the running interpreter from PyPI, for Pythons shipped without ensurepip."""

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path


def main() -> None:
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as reply:
        release = json.load(reply)
    wheel = next(u for u in release["urls"] if u["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as reply:
            path.write_bytes(reply.read())
        # A pip wheel runs from itself: python pip.whl/pip install pip.whl
        subprocess.run([sys.executable, f"{path}/pip", "install", "--quiet", str(path)], check=True)


if __name__ == "__main__":
    main()
