"""Which security topics a requirement touches: the modules it imports and the words it uses.

A task that touches none (sort a list, count vowels) gains nothing from the security rules, and on a
small model they cost correctness: they steer it to hashing, tokens or validation the task never asked
for. Strategies use this to keep the security prompt for the tasks it is written for; every answer is
still analyzed and repaired whatever the topics. The modules and words are data: strategies/data/topics.yaml.
"""

from __future__ import annotations

from safegen.strategies import codecheck, heuristics


def _top_level_imports(requirement: str) -> list[str]:
    """The top-level modules the requirement imports, in order, each once."""
    return list(dict.fromkeys(name.split(".")[0] for name in codecheck.imported_modules(requirement)))


def security_topics(requirement: str) -> tuple[str, ...]:
    """The security topics ``requirement`` touches, e.g. ``("imports flask", "web", "files")``; empty for
    pure computation."""
    computation = heuristics.computation_modules()
    topics = [f"imports {name}" for name in _top_level_imports(requirement) if name not in computation]
    topics += [topic for topic, pattern in heuristics.topic_patterns() if pattern.search(requirement)]
    return tuple(topics)
