"""Starting the web app: build a first index if there is none, then serve the layout.

Kept apart from ``rag.ui.web`` (the handlers) because it needs the layout, which needs the handlers.
"""

from __future__ import annotations

import os
from typing import Any

from rag.config import Settings
from rag.index.build import build
from rag.ui import render
from rag.ui.access import LoginThrottle, check_exposure, parse_accounts
from rag.ui.web import App


def ensure_index(settings: Settings) -> None:
    """Build the index on first start so a new user lands on a working app."""
    from rag.stores import index_exists

    if not index_exists(settings):
        from rag.ui.progress import cli_progress

        print("no index yet: building it from", settings.paths.data_dir)
        with cli_progress(settings.quiet) as progress:
            build(settings, progress=progress)


def launch(settings: Settings, block: bool = True) -> Any:
    """Start the app on settings.serve.host:port (127.0.0.1 unless told otherwise)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    accounts = parse_accounts(settings.serve.auth)
    check_exposure(settings.serve, accounts)
    ensure_index(settings)
    from starlette.middleware import Middleware

    from rag.ui.layout import make_blocks

    app = App(settings)
    app.warm()
    demo = make_blocks(app)
    demo.queue(default_concurrency_limit=8)
    auth = [(a.user, a.password) for a in accounts] or None
    return demo.launch(server_name=settings.serve.host, server_port=settings.serve.port, auth=auth,
                       auth_message="Sign in to search the news articles." if auth else None,
                       css=render.CSS, head=render.HEAD, prevent_thread_lock=not block,
                       max_file_size=f"{settings.serve.max_upload_mb}mb", show_error=False, quiet=True,
                       footer_links=["api"], app_kwargs={"middleware": [Middleware(LoginThrottle)]})
