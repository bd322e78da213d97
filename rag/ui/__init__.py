"""Front ends: the terminal printer, progress reporting and the Gradio web app."""
