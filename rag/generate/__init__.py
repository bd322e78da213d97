"""Optional grounded generation: an LLM writes the answer, and every sentence is checked.

Off unless an OpenAI-compatible server is configured (``RAG_LLM_URL`` / ``--llm``); nothing here
is imported on the plain ``rag query`` path.
"""
