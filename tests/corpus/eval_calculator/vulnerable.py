def calculate(expression: str) -> float:
    """Evaluate an arithmetic expression such as '2 * (3 + 4)' and return the result."""
    return eval(expression)
