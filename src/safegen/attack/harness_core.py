"""Attack harness, part 1 (standard library only): appended to the candidate and run inside the sandbox.

It never runs on the host. It adds the observations the sandbox's own oracle does not make: input run
as code (it called the ``sgx_code`` builtin, the one name the harness adds outside ``_sgx``), pickle
globals resolved, SQL prepared by SQLite, canary files read. Every other name starts with ``_sgx`` so that
the candidate's names stay untouched; no ``__future__`` import, since this text follows the candidate's code.
"""

import sys as _sgx_sys
from typing import Any

_SGX_LINE0 = _sgx_sys._getframe().f_lineno  # lines from here on are the harness's, not the candidate's
_SGX_MARK = "sgx"  # every payload carries this marker
_SGX_TAG = "\x1esgx-attack:"  # the harness's one line of JSON on stdout starts with this
_SGX_DANGEROUS = ("os", "posix", "nt", "subprocess", "builtins", "__builtin__", "sys", "shutil", "socket",
                  "importlib", "pty", "runpy", "code", "codeop", "ctypes", "webbrowser", "target")
_SGX_SQL_WORDS = frozenset(
    "select from where and or not null is in like glob between insert into values update set delete create "
    "table drop alter add column order by group having limit offset as on join left right inner outer cross "
    "union all distinct case when then else end exists primary key integer text real blob if asc desc "
    "default unique references foreign autoincrement replace ignore collate escape natural using returning "
    "true false current_timestamp view index trigger begin commit rollback pragma".split())


class _SgxState:
    """What the current attack execution observed."""

    active = False
    busy = False
    hits: list[dict[str, str]] = []
    sql: list[str] = []
    canary = ""
    records: list[Any] = []  # the records mass-assignment probes passed in, checked after the call


def _sgx_where() -> str:
    """The candidate's innermost line on the current stack ("target.py:N"), skipping harness frames."""
    frame: Any = _sgx_sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == __file__ and frame.f_lineno < _SGX_LINE0:
            return "target.py:%d" % frame.f_lineno
        frame = frame.f_back
    return ""


def _sgx_hit(kind: str, detail: str) -> None:
    if len(_SgxState.hits) < 20:
        _SgxState.hits.append({"kind": kind, "detail": detail[:300], "location": _sgx_where()})


def _sgx_hook(event: str, args: tuple[Any, ...]) -> None:
    if not _SgxState.active or _SgxState.busy:
        return
    _SgxState.busy = True
    try:
        if event == "pickle.find_class":
            module, name = str(args[0]), str(args[1])
            if module.split(".")[0] in _SGX_DANGEROUS:
                _sgx_hit("find_class", "unpickling resolved %s.%s" % (module, name))
        elif event == "open" and _SgxState.canary and isinstance(args[0], str):
            import os

            if os.path.realpath(args[0]) == _SgxState.canary:
                _sgx_hit("canary_read", "the canary file %s was opened" % os.path.basename(args[0]))
    except Exception:
        pass
    finally:
        _SgxState.busy = False


_SGX_ALLOW_WORDS = ("FIELD", "ALLOWED", "EDITABLE", "PERMITTED", "WHITELIST", "ALLOWLIST", "UPDATABLE", "MUTABLE",
                    "WRITABLE", "SAFE_KEYS", "VALID_KEYS")


def _sgx_allow_list() -> str:
    """The name of a module-level collection of field names the code may set (an allow-list), or ""."""
    for name, value in list(globals().items()):
        if name.startswith("_") or not isinstance(value, (list, tuple, set, frozenset, dict)) or not value:
            continue
        if any(word in name.upper() for word in _SGX_ALLOW_WORDS) and all(isinstance(v, str) for v in value):
            return name
    return ""


def _sgx_after_call(value: Any) -> None:
    """Observations made once the target returned: a field outside the module's allow-list set by the input."""
    allow = _sgx_allow_list() if _SgxState.records or isinstance(value, dict) else ""
    if not allow:
        return
    for record in _SgxState.records + ([value] if isinstance(value, dict) else []):
        fields = record if isinstance(record, dict) else getattr(record, "__dict__", {})
        if "sgx_injected" in fields:
            _sgx_hit("mass", "the input set the field 'sgx_injected', which %s does not allow" % allow)
            return


def _sgx_state_size() -> tuple[int, int]:
    """The size of the module's own data: (entries, entries + text length) of its module-level lists, dicts,
    sets, deques and queues, a few levels deep. A call that adds entries holding a payload's size stored it."""
    import collections
    import types

    seen: set[int] = set()
    entries = text = 0
    pending: list[tuple[Any, int]] = [(v, 0) for k, v in list(globals().items()) if not k.startswith("_")
                                      and not isinstance(v, (types.ModuleType, type, types.FunctionType))]
    while pending and len(seen) < 50000:
        value, depth = pending.pop()
        if isinstance(value, (str, bytes)):
            text += len(value) if depth else 0
            continue
        inner = getattr(value, "queue", None)  # queue.Queue keeps its items in .queue
        if not isinstance(value, dict) and isinstance(inner, collections.deque):
            value = inner
        if id(value) in seen or depth > 4 or not isinstance(value, (dict, list, tuple, set, collections.deque)):
            continue
        seen.add(id(value))
        items = list(value.keys()) + list(value.values()) if isinstance(value, dict) else list(value)
        entries += len(value)
        pending.extend((item, depth + 1) for item in items[:100000])
    return entries, entries + text


def _sgx_stored(before: tuple[int, int]) -> None:
    """A hit when the call added entries to the module's data and they hold more than 100,000 items and characters
    (a value replaced in place is an update, not storage that grows)."""
    after = _sgx_state_size()
    if after[0] > before[0] and after[1] - before[1] > 100000:
        _sgx_hit("stored", "one call added %d items and characters to the module's data" % (after[1] - before[1]))


def _sgx_state_print() -> int:
    """A fingerprint of the module's own data (module-level containers): it differs once a record changed."""
    import types

    parts = [repr(v)[:200000] for k, v in sorted(globals().items(), key=lambda kv: kv[0]) if not k.startswith("_")
             and not isinstance(v, (types.ModuleType, type, types.FunctionType, str, int, float, bool))]
    return hash(tuple(parts))


def _sgx_record_key() -> Any:
    """The key of an existing record in the module's data (a dict of dicts of plain values, up to two levels
    down): the last one, as the first is often the administrator."""
    pending = [v for k, v in list(globals().items()) if not k.startswith("_") and isinstance(v, dict)]
    for _ in range(3):
        found = [d for d in pending if d and all(isinstance(r, dict) and r and not any(isinstance(x, dict) for x in
                                                                                      r.values()) for r in d.values())]
        if found:
            return list(max(found, key=len).keys())[-1]
        pending = [v for d in pending for v in d.values() if isinstance(v, dict)]
    return "sgx"


class _SgxAutoBody(dict):  # type: ignore[type-arg]
    """A request body that holds every field the code asks for: an existing record's key for ids, else text."""

    def __missing__(self, key: Any) -> Any:
        name = str(key).lower()
        if "mail" in name:
            return "sgx@example.com"
        if "phone" in name:
            return "555-0100"
        if "id" in name or name.endswith(("key", "name", "user", "account")):
            return _sgx_record_key()
        return "sgx"

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key]

    def __contains__(self, key: object) -> bool:
        return True


def _sgx_code(*args: Any, **kwargs: Any) -> str:
    """The builtin that code-injection payloads call: reaching it means the input ran as code, beyond literals."""
    if _SgxState.active:
        _sgx_hit("exec", "attacker text ran as code: it called a function of the attacker's choosing (sgx_code)")
    return "sgx"


def _sgx_install_code_canary() -> None:
    import builtins

    builtins.sgx_code = _sgx_code  # type: ignore[attr-defined]


_sgx_install_code_canary()

_SGX_WEAK_HASHES = ("md4", "md5", "md5-sha1", "sha1", "sha")


def _sgx_hash_name(algorithm: Any) -> str:
    """The lower-case name of a hash given by name, constructor or module ("" when unknown)."""
    if isinstance(algorithm, str):
        return algorithm.lower().replace("_", "-")
    name = str(getattr(algorithm, "_sgx_hash", "") or getattr(algorithm, "__name__", ""))
    return name.lower().replace("openssl-", "").replace("_", "-")


def _sgx_weak_hash(algorithm: Any, where: str) -> None:
    name = _sgx_hash_name(algorithm)
    if _SgxState.active and name in _SGX_WEAK_HASHES:
        _sgx_hit("weak_hash", "%s used the weak hash %s" % (where, name))


def _sgx_install_hash_watch() -> None:
    """Record each weak hash chosen by name while an attack runs (hashlib.new, hmac with a name or a constructor)."""
    import hashlib
    import hmac

    new = hashlib.new

    def watched_new(name: Any, *args: Any, **kwargs: Any) -> Any:
        _sgx_weak_hash(name, "hashlib.new")
        return new(name, *args, **kwargs)

    hashlib.new = watched_new
    for algorithm in ("md5", "sha1"):  # named, not recorded: the code, not its caller, chose hashlib.md5()
        constructor = getattr(hashlib, algorithm)

        def named(*args: Any, _constructor: Any = constructor, **kwargs: Any) -> Any:
            return _constructor(*args, **kwargs)

        named._sgx_hash = algorithm  # type: ignore[attr-defined]
        setattr(hashlib, algorithm, named)
    hmac_new, hmac_digest = hmac.new, hmac.digest

    def watched_hmac(key: Any, msg: Any = None, digestmod: Any = "") -> Any:
        _sgx_weak_hash(digestmod, "hmac.new")
        return hmac_new(key, msg, digestmod)

    def watched_digest(key: Any, msg: Any, digest: Any) -> Any:
        _sgx_weak_hash(digest, "hmac.digest")
        return hmac_digest(key, msg, digest)

    hmac.new, hmac.digest = watched_hmac, watched_digest


_sgx_install_hash_watch()


def _sgx_constructed(*args: Any, **kwargs: Any) -> str:
    """The callable deserialization payloads name: reaching it means attacker data built an object."""
    _sgx_hit("construct", "deserialization called an attacker-chosen callable")
    return "sgx-constructed"


def _sgx_sql_columns(sql: str, table: str) -> list[str]:
    import re

    bare = re.sub(r"'(?:[^']|'')*'", " ", sql)
    names: list[str] = []
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", bare):
        word = match.group(0)
        if word.lower() in _SGX_SQL_WORDS or word == table or word in names or word.startswith("sgx"):
            continue
        if bare[match.end():].lstrip().startswith("("):
            continue  # a function, or the table before its column list
        names.append(word)
    return names[:20]


def _sgx_seed(conn: Any, message: str, sql: str) -> bool:
    """Create the table or column a statement misses, with two rows; False if the error is another one."""
    import re
    import sqlite3

    def run(statement: str, params: Any = ()) -> Any:
        return sqlite3.Connection.execute(conn, statement, params)

    missing_table = re.match(r"no such table: (?:main\.)?(\w+)", message)
    missing_column = re.match(r"no such column: (?:\w+\.)?(\w+)", message)
    if missing_table:
        table = missing_table.group(1)
        columns = [c for c in _sgx_sql_columns(sql, table) if c.lower() != "id"]
        defined = ", ".join(["id INTEGER PRIMARY KEY"] + ['"%s"' % c for c in columns])
        run('CREATE TABLE "%s" (%s)' % (table, defined))
        for number, owner in ((1, "alice"), (2, "bob")):
            values = ", ".join(["?"] * (len(columns) + 1))
            run('INSERT INTO "%s" VALUES (%s)' % (table, values), [number] + ["%s-%s" % (owner, c) for c in columns])
        _SgxState.sql.append("-- seeded table %s (%s)" % (table, ", ".join(columns)))
        return True
    if missing_column:
        tables = [r[0] for r in run("SELECT name FROM sqlite_master WHERE type='table'").fetchall()]
        for table in tables:
            if re.search(r"\b%s\b" % re.escape(table), sql):
                run('ALTER TABLE "%s" ADD COLUMN "%s"' % (table, missing_column.group(1)))
                return True
    return False


def _sgx_install_sqlite() -> None:
    """Every connection the candidate opens gets the probe function, an authorizer, a trace and seeding."""
    import os
    import sqlite3

    if getattr(sqlite3, "_sgx_wrapped", False):
        return
    real_connect = sqlite3.connect

    def retry(conn: Any, run: Any, sql: Any) -> Any:
        for _ in range(8):
            try:
                return run()
            except sqlite3.OperationalError as exc:
                if not (isinstance(sql, str) and _sgx_seed(conn, str(exc), sql)):
                    raise
        return run()

    class Cursor(sqlite3.Cursor):
        def execute(self, sql: Any, *args: Any) -> Any:
            return retry(self.connection, lambda: sqlite3.Cursor.execute(self, sql, *args), sql)

        def executemany(self, sql: Any, *args: Any) -> Any:
            return retry(self.connection, lambda: sqlite3.Cursor.executemany(self, sql, *args), sql)

    class Connection(sqlite3.Connection):
        def cursor(self, factory: Any = Cursor) -> Any:
            return sqlite3.Connection.cursor(self, factory)

        def execute(self, sql: Any, *args: Any) -> Any:
            return self.cursor().execute(sql, *args)

        def executemany(self, sql: Any, *args: Any) -> Any:
            return self.cursor().executemany(sql, *args)

    def authorizer(action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
        if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() == "sgx_probe":
            _sgx_hit("sql", "attacker text parsed as SQL: it called the function sgx_probe()")
        return sqlite3.SQLITE_OK

    def trace(statement: str) -> None:
        if len(_SgxState.sql) < 20:
            _SgxState.sql.append(statement[:300])

    def connect(database: Any = ":memory:", *args: Any, **kwargs: Any) -> Any:
        if isinstance(database, (str, bytes, os.PathLike)):
            path = os.fsdecode(os.fspath(database))
            if path != ":memory:" and not path.startswith("file:"):
                full = os.path.realpath(path)
                if not full.startswith(os.getcwd() + os.sep):  # the candidate's database, inside the sandbox
                    database = os.path.basename(full) or "db.sqlite3"
        kwargs.setdefault("factory", Connection)
        conn = real_connect(database, *args, **kwargs)
        conn.create_function("sgx_probe", -1, lambda *a: 0)
        conn.set_authorizer(authorizer)
        conn.set_trace_callback(trace)
        return conn

    sqlite3.connect = connect
    sqlite3._sgx_wrapped = True  # type: ignore[attr-defined]


_sgx_sys.addaudithook(_sgx_hook)
