"""Articles from the web: fetching pages and feeds safely, extracting articles, saving them."""
