"""AST rewrites named by the fixes YAML; each module registers its own with ``registry.rewrite``."""
