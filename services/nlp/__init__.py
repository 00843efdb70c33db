"""Language understanding (services layer: plain data in, never imports the scenarios).

Kept import-light on purpose (the pure scenario engine uses ``text``); import the modules:

- ``services.nlp.keywords``: ``classify(text, keywords, allowed)``, the French keyword fast path
- ``services.nlp.llm``: ``NluService`` (Ollama with budget, breaker, cache, ``health()``)
- ``services.nlp.analysis``: ``analyze_call(turns, status=..., ...)`` post-call analysis
- ``services.nlp.insults``: ``mask_insults(text)``
- ``services.nlp.evaluate``: accuracy / precision / recall on labelled phrases
"""
