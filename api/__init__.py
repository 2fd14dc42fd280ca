"""Flask app, REST API, web pages and the `talentmatch` CLI."""
