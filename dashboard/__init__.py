"""The aiohttp + jinja2 web dashboard and its JSON API."""
