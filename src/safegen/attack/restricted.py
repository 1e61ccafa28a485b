"""Restricted stand-ins for eval and exec that the code-injection fix writes into a module (attack/fixes.py).

This file is copied verbatim below the module's imports, so it is self-contained and every name starts with
``_safegen_``. Input is parsed, never executed: literals, arithmetic, comparisons, boolean logic, containers,
indexing, the caller's own names, a few pure builtins and simple statements (assignments, ``if``) are
interpreted; anything else (attributes, other calls, imports, definitions, lambdas, dunder names) raises
ValueError, as a validating function does.
"""

import ast as _safegen_ast
import operator as _safegen_operator

_SAFEGEN_CALLS = {"abs": abs, "round": round, "min": min, "max": max, "sum": sum, "len": len, "int": int,
                  "float": float, "str": str, "bool": bool}
_SAFEGEN_OPERATORS = {
    _safegen_ast.Add: _safegen_operator.add, _safegen_ast.Sub: _safegen_operator.sub,
    _safegen_ast.Mult: _safegen_operator.mul, _safegen_ast.Div: _safegen_operator.truediv,
    _safegen_ast.FloorDiv: _safegen_operator.floordiv, _safegen_ast.Mod: _safegen_operator.mod,
    _safegen_ast.Pow: _safegen_operator.pow, _safegen_ast.BitAnd: _safegen_operator.and_,
    _safegen_ast.BitOr: _safegen_operator.or_, _safegen_ast.BitXor: _safegen_operator.xor,
    _safegen_ast.LShift: _safegen_operator.lshift, _safegen_ast.RShift: _safegen_operator.rshift,
    _safegen_ast.USub: _safegen_operator.neg, _safegen_ast.UAdd: _safegen_operator.pos,
    _safegen_ast.Not: _safegen_operator.not_, _safegen_ast.Invert: _safegen_operator.invert,
    _safegen_ast.Eq: _safegen_operator.eq, _safegen_ast.NotEq: _safegen_operator.ne,
    _safegen_ast.Lt: _safegen_operator.lt, _safegen_ast.LtE: _safegen_operator.le,
    _safegen_ast.Gt: _safegen_operator.gt, _safegen_ast.GtE: _safegen_operator.ge,
    _safegen_ast.In: lambda a, b: a in b, _safegen_ast.NotIn: lambda a, b: a not in b,
    _safegen_ast.Is: _safegen_operator.is_, _safegen_ast.IsNot: _safegen_operator.is_not,
}
_SAFEGEN_MAX_EXPONENT = 1000  # 9 ** 9 ** 9 would hang the caller
_SAFEGEN_MAX_REPEAT = 1_000_000  # items a sequence may be repeated into, bits a number may be shifted by
_SAFEGEN_REFUSALS = []  # each refusal's message, for the requirement's answer to it (attack/fix_contract.py)


class _SafegenUnparsable(SyntaxError, ValueError):
    """Input that does not parse: a SyntaxError, as eval raises, and a ValueError, as validation raises."""


def _safegen_parse(source, mode):
    if isinstance(source, (bytes, bytearray)):
        source = bytes(source).decode()
    if not isinstance(source, str):
        raise TypeError("only source text can be evaluated")
    try:
        return _safegen_ast.parse(source.strip() if mode == "eval" else source, mode=mode)
    except SyntaxError as exc:
        raise _SafegenUnparsable(*exc.args) from None


def _safegen_refuse(node):
    _SAFEGEN_REFUSALS.append(f"{type(node).__name__} is not allowed in evaluated input")
    raise ValueError(_SAFEGEN_REFUSALS[-1])


def _safegen_bounded(op, left, right):
    """ValueError before an operation whose result would hang or exhaust the caller (9 ** 9 ** 9, 'a' * 10**9)."""
    if type(op) is _safegen_ast.Pow and isinstance(right, (int, float)) and abs(right) > _SAFEGEN_MAX_EXPONENT:
        raise ValueError("exponent too large")
    if type(op) is _safegen_ast.LShift and isinstance(right, int) and right > _SAFEGEN_MAX_REPEAT:
        raise ValueError("result too large")
    if type(op) is _safegen_ast.Mult:
        for count, other in ((left, right), (right, left)):
            if isinstance(count, int) and count > _SAFEGEN_MAX_REPEAT and isinstance(other, (str, bytes, list, tuple)):
                raise ValueError("result too large")


def _safegen_value(node, scope):
    """The value of one expression node, interpreted over ``scope`` (the caller's names)."""
    kind = type(node)
    if kind is _safegen_ast.Constant:
        return node.value
    if kind is _safegen_ast.Name:
        if node.id.startswith("__") or node.id not in scope:
            raise ValueError(f"name {node.id!r} is not allowed in evaluated input")
        return scope[node.id]
    if kind is _safegen_ast.BinOp and type(node.op) in _SAFEGEN_OPERATORS:
        left, right = _safegen_value(node.left, scope), _safegen_value(node.right, scope)
        _safegen_bounded(node.op, left, right)
        return _SAFEGEN_OPERATORS[type(node.op)](left, right)
    if kind is _safegen_ast.UnaryOp and type(node.op) in _SAFEGEN_OPERATORS:
        return _SAFEGEN_OPERATORS[type(node.op)](_safegen_value(node.operand, scope))
    if kind is _safegen_ast.BoolOp:
        result = None
        for item in node.values:
            result = _safegen_value(item, scope)
            if (type(node.op) is _safegen_ast.And) != bool(result):
                return result
        return result
    if kind is _safegen_ast.Compare:
        left = _safegen_value(node.left, scope)
        for op, item in zip(node.ops, node.comparators):
            right = _safegen_value(item, scope)
            if type(op) not in _SAFEGEN_OPERATORS or not _SAFEGEN_OPERATORS[type(op)](left, right):
                return False
            left = right
        return True
    if kind is _safegen_ast.IfExp:
        branch = node.body if _safegen_value(node.test, scope) else node.orelse
        return _safegen_value(branch, scope)
    if kind in (_safegen_ast.Tuple, _safegen_ast.List, _safegen_ast.Set):
        items = [_safegen_value(item, scope) for item in node.elts]
        return {_safegen_ast.Tuple: tuple, _safegen_ast.List: list, _safegen_ast.Set: set}[kind](items)
    if kind is _safegen_ast.Dict and None not in node.keys:
        return {_safegen_value(k, scope): _safegen_value(v, scope) for k, v in zip(node.keys, node.values)}
    if kind is _safegen_ast.Subscript:
        return _safegen_value(node.value, scope)[_safegen_value(node.slice, scope)]
    if kind is _safegen_ast.Slice:
        return slice(*(None if part is None else _safegen_value(part, scope)
                       for part in (node.lower, node.upper, node.step)))
    if (kind is _safegen_ast.Call and type(node.func) is _safegen_ast.Name and node.func.id in _SAFEGEN_CALLS
            and not node.keywords and not any(type(a) is _safegen_ast.Starred for a in node.args)):
        return _SAFEGEN_CALLS[node.func.id](*(_safegen_value(a, scope) for a in node.args))
    _safegen_refuse(node)


def _safegen_scope(globals, locals):
    scope = {}
    for names in (globals, locals):
        if isinstance(names, dict):
            scope.update((k, v) for k, v in names.items() if not str(k).startswith("__"))
    return scope


def _safegen_restricted_eval(source, globals=None, locals=None):
    """eval limited to data and arithmetic: ValueError for anything that could run code."""
    tree = _safegen_parse(source, "eval")
    return _safegen_value(tree.body, _safegen_scope(globals, locals))


def _safegen_assign(target, value, scope, names):
    if type(target) is _safegen_ast.Name and not target.id.startswith("__"):
        scope[target.id] = names[target.id] = value
    elif type(target) in (_safegen_ast.Tuple, _safegen_ast.List):
        values = list(value)
        if len(values) != len(target.elts):
            raise ValueError("cannot unpack the value into the names")
        for item, part in zip(target.elts, values):
            _safegen_assign(item, part, scope, names)
    else:
        _safegen_refuse(target)


def _safegen_run(statements, scope, names):
    for node in statements:
        kind = type(node)
        if kind is _safegen_ast.Assign:
            value = _safegen_value(node.value, scope)
            for target in node.targets:
                _safegen_assign(target, value, scope, names)
        elif kind is _safegen_ast.AugAssign and type(node.target) is _safegen_ast.Name:
            current = _safegen_value(node.target, scope)
            _safegen_assign(node.target, _safegen_value(
                _safegen_ast.BinOp(_safegen_ast.Constant(current), node.op, node.value), scope), scope, names)
        elif kind is _safegen_ast.AnnAssign and node.value is not None:
            _safegen_assign(node.target, _safegen_value(node.value, scope), scope, names)
        elif kind is _safegen_ast.Expr:
            _safegen_value(node.value, scope)
        elif kind is _safegen_ast.If:
            _safegen_run(node.body if _safegen_value(node.test, scope) else node.orelse, scope, names)
        elif kind is not _safegen_ast.Pass:
            _safegen_refuse(node)


def _safegen_restricted_exec(source, globals=None, locals=None):
    """exec limited to assignments, ``if`` and expressions of data: ValueError for anything else; the names
    it assigns go where exec puts them (``locals``, else ``globals``)."""
    tree = _safegen_parse(source, "exec")
    target = locals if isinstance(locals, dict) else globals if isinstance(globals, dict) else {}
    _safegen_run(tree.body, _safegen_scope(globals, locals), target)
