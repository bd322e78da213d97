"""The Gradio app: `python app.py [--host H] [--port P] [--auth user:pass]` (same as `rag serve`)."""

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from rag.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
