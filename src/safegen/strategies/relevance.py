"""Which security topics a requirement touches: the modules it imports and the words it uses.

A task that touches none (sort a list, count vowels) gains nothing from the security rules, and on a
small model they cost correctness: they steer it to hashing, tokens or validation the task never asked
for. Strategies use this to keep the security prompt for the tasks it is written for; every answer is
still analyzed and repaired whatever the topics.
"""

from __future__ import annotations

import re

from safegen.strategies import codecheck

# Standard modules for pure computation: importing them says nothing about security.
COMPUTATION_MODULES = frozenset({
    "__future__", "abc", "array", "bisect", "cmath", "collections", "copy", "dataclasses", "decimal", "enum",
    "fractions", "functools", "heapq", "itertools", "math", "numbers", "operator", "statistics", "string",
    "textwrap", "typing", "typing_extensions", "unicodedata",
})

# Topic -> the words (regular expressions, matched case-insensitively at word starts) that raise it.
TOPIC_WORDS: dict[str, str] = {
    "sql": r"sql\w*|databases?|queries|query|db\b|cursor",
    "command": (r"shell|commands?\b|subprocess|system\(|popen|exec\b|eval\b|"
                r"(?:python|arbitrary|user|untrusted) (?:code|expressions?|literals?|objects?)"),
    "input": r"user input|untrusted|input\(|(?:take|read|get)s? (?:an?|the) (?:\w+ )?input\b",
    "deserialization": r"pickle|marshal|yaml|deserializ\w*|unpickl\w*",
    "markup": r"xml|html|xpath|ldap|templates?\b|markup|jinja",
    "web": (r"urls?\b|https?\b|requests?\b|responses?\b|web\w*|servers?\b|sockets?\b|network\w*|download\w*|"
            r"upload\w*|endpoints?\b|cookies?\b|sessions?\b|flask|django|fastapi|redirect\w*|hosts?\b|ports?\b"),
    "files": r"open\(|files?\b|file ?names?\b|paths?\b|director(?:y|ies)|folders?\b|archives?\b|zip\b|tar\b|temp\w*|tmp\b",
    "credentials": (r"passwords?|passphrase|tokens?\b|secrets?\b|credentials?|log ?ins?\b|logins?\b|authenticat\w*|"
                    r"authori[sz]\w*|permissions?\b|privileg\w*|users?\b|accounts?\b|(?:api|private|public|secret|"
                    r"encryption|signing) keys?\b"),
    "crypto": (r"encrypt\w*|decrypt\w*|ciphers?\b|hash\w*|hmac|md5|sha\d*\b|signatures?\b|certificates?\b|ssl\b|"
               r"tls\b|crypt\w*|random\w*|nonces?\b|salt\w*"),
    "logging": r"log\b|logs\b|logg\w*|debug\w*",
    "process": r"process\w*|threads?\b|signals?\b|environment variables?|os\.environ",
}
_TOPICS = [(topic, re.compile(rf"\b(?:{words})", re.IGNORECASE)) for topic, words in TOPIC_WORDS.items()]


def _top_level_imports(requirement: str) -> list[str]:
    """The top-level modules the requirement imports, in order, each once."""
    return list(dict.fromkeys(name.split(".")[0] for name in codecheck.imported_modules(requirement)))


def security_topics(requirement: str) -> tuple[str, ...]:
    """The security topics ``requirement`` touches, e.g. ``("imports flask", "web", "files")``; empty for
    pure computation."""
    topics = [f"imports {name}" for name in _top_level_imports(requirement) if name not in COMPUTATION_MODULES]
    topics += [topic for topic, pattern in _TOPICS if pattern.search(requirement)]
    return tuple(topics)
