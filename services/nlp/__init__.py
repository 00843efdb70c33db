"""Language understanding: keyword fast path, Ollama service, post-call analysis.

Services layer: takes keyword tables as plain data and never imports the scenarios.
"""

from services.nlp.analysis import CallAnalysis, Turn, analyze_call, heuristic_analysis
from services.nlp.breaker import CircuitBreaker
from services.nlp.insults import contains_insult, mask_insults
from services.nlp.keywords import FastResult, classify, keyword_model, sentiment_of
from services.nlp.llm import NluResult, NluService, intent_schema
from services.nlp.text import normalize

__all__ = [
    "CallAnalysis",
    "CircuitBreaker",
    "FastResult",
    "NluResult",
    "NluService",
    "Turn",
    "analyze_call",
    "classify",
    "contains_insult",
    "heuristic_analysis",
    "intent_schema",
    "keyword_model",
    "mask_insults",
    "normalize",
    "sentiment_of",
]
