"""Synthesize vulnerable/fixed pairs per CWE from templates, with varied names and shapes.

Each template returns a :class:`Core` (the security-relevant body of one function in its
vulnerable and its fixed form); :func:`assemble` wraps it as a plain function, a method or a
Flask route, with random names, imports in random order and benign filler code shared by both
versions, so the only systematic difference between the two is the weakness itself.
"""

from __future__ import annotations

import random
import string
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from safegen.scorer.pairs import Pair

VERBS = ("get", "load", "fetch", "read", "run", "handle", "process", "build", "make", "do",
         "find", "lookup", "show", "render", "save", "store", "update", "check", "parse",
         "compute", "create", "open", "send", "serve", "import", "export", "sync", "apply")
NOUNS = ("user", "file", "report", "item", "record", "data", "config", "account", "order",
         "profile", "image", "doc", "entry", "result", "log", "backup", "archive", "note", "task",
         "message", "host", "page", "invoice", "asset", "ticket", "customer", "product", "job")
CLASSES = ("Service", "Manager", "Handler", "Repository", "Store", "Client", "Helper", "Api",
           "Controller", "Worker", "Gateway", "Processor")
ROLES: dict[str, tuple[str, ...]] = {
    "text": ("name", "value", "term", "text", "q", "word", "label", "title", "s", "arg", "item",
             "keyword", "needle", "username", "author", "query_text", "user_input", "field"),
    "ident": ("user_id", "uid", "item_id", "pk", "record_id", "key", "ident", "account_id",
              "order_no", "id_", "product_id", "slug", "ref"),
    "path": ("filename", "path", "name", "fname", "file_name", "rel_path", "doc", "target",
             "report_name", "entry", "image_name", "upload_name"),
    "host": ("host", "hostname", "address", "server", "ip", "target", "domain", "node"),
    "url": ("url", "link", "target", "endpoint", "next_url", "location", "dest", "feed_url",
            "callback", "src"),
    "blob": ("data", "payload", "blob", "raw", "body", "content", "buf", "message", "stream_data",
             "serialized", "packet"),
    "secret": ("password", "passwd", "pw", "secret", "token", "passphrase", "credential", "pin"),
    "expr": ("expr", "expression", "formula", "source", "code", "snippet", "calc", "rule"),
    "conn": ("conn", "db", "connection", "cnx", "database", "dbconn"),
    "cur": ("cursor", "cur", "c", "csr"),
    "base": ("BASE_DIR", "UPLOAD_DIR", "ROOT", "STATIC_ROOT", "DATA_DIR", "STORAGE", "MEDIA_ROOT"),
    "table": ("users", "accounts", "orders", "items", "products", "customers", "posts", "notes"),
    "col": ("name", "email", "username", "title", "status", "owner", "city", "sku", "login"),
    "dir": ("directory", "folder", "dest", "out_dir", "workdir", "target_dir", "root"),
    "n": ("n", "length", "size", "count", "digits", "num"),
    "cmd": ("cmd", "command", "cmdline", "shell_cmd", "command_line", "invocation"),
    "res": ("result", "res", "out", "value", "rows", "ret", "response", "resp", "obj", "parsed"),
}
URL_HOSTS = ("api.example.com", "service.internal", "example.org", "data.example.net",
             "hooks.example.io", "auth.example.com")
FLASK_PATHS = ("/search", "/view", "/api/item", "/run", "/load", "/profile", "/download",
               "/report", "/go", "/upload", "/calc", "/user", "/export", "/page")


@dataclass
class Core:
    """The security-relevant part of a pair: function body, imports and module-level lines."""

    params: list[str]
    body_v: list[str]
    body_f: list[str]
    imports_v: list[str] = field(default_factory=list)
    imports_f: list[str] = field(default_factory=list)
    module_v: list[str] = field(default_factory=list)
    module_f: list[str] = field(default_factory=list)
    shapes: tuple[str, ...] = ("func", "method", "route")
    route_only: bool = False


class Names:
    """Random, distinct names for the roles a template needs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.cache: dict[str, str] = {}

    def __getitem__(self, role: str) -> str:
        if role not in self.cache:
            pool = [n for n in ROLES[role.rstrip("0123456789")] if n not in self.used]
            name = self.rng.choice(pool) if pool else f"{role}_{len(self.used)}"
            self.used.add(name)
            self.cache[role] = name
        return self.cache[role]


def _sub(template: str, names: Names, extra: dict[str, str] | None = None) -> str:
    """Fill ``$role`` placeholders with names (``$$`` stays a literal dollar)."""
    values = dict(extra or {})

    class _Lookup(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return values[key] if key in values else names[key]

    return string.Template(template).substitute(_Lookup())


def lines(template: str, names: Names, extra: dict[str, str] | None = None) -> list[str]:
    """A multi-line template as a list of lines, placeholders filled."""
    return _sub(template, names, extra).strip("\n").split("\n")


# ---------------------------------------------------------------- templates, one per weakness

Template = Callable[[random.Random, Names], Core]
TEMPLATES: dict[str, tuple[int, Template]] = {}


def template(name: str, cwe: int) -> Callable[[Template], Template]:
    """Register a template under a stable name with its CWE."""
    def register(fn: Template) -> Template:
        TEMPLATES[name] = (cwe, fn)
        return fn
    return register


def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def _open(rng: random.Random, target: str, mode: str) -> str:
    """An ``open(...)`` call with or without an explicit encoding (same choice for both versions)."""
    if "b" in mode or rng.random() < 0.5:
        return f'open({target}, "{mode}")' if mode != "r" or rng.random() < 0.5 else f"open({target})"
    return f'open({target}, "{mode}", encoding="utf-8")'


@template("cmd_os_system", 78)
def _cmd_os_system(rng: random.Random, n: Names) -> Core:
    tool, flag = rng.choice([("ping", "-c 1"), ("nslookup", ""), ("whois", ""), ("host", ""),
                             ("dig", "+short"), ("traceroute", "-m 5")])
    argv = ", ".join([f'"{tool}"'] + [f'"{p}"' for p in flag.split()] + [n["host"]])
    spaced = f"{tool} {flag} " if flag else f"{tool} "
    vuln = _pick(rng, f'os.system(f"{spaced}{{$host}}")', f'os.system("{spaced}" + $host)',
                 f'os.system("{spaced}%s" % $host)', f'os.system("{spaced}{{}}".format($host))')
    fixed = _pick(rng, f"subprocess.run([{argv}], check=False)",
                  f"subprocess.run([{argv}], capture_output=True, timeout=10)",
                  f'os.system("{spaced}" + shlex.quote($host))')
    fixed_imports = ["import os", "import shlex"] if "shlex" in fixed else ["import subprocess"]
    return Core([n["host"]], lines(f"$res = {vuln}\nreturn $res", n),
                lines(f"$res = {fixed}\nreturn $res", n), ["import os"], fixed_imports)


@template("cmd_shell_true", 78)
def _cmd_shell_true(rng: random.Random, n: Names) -> Core:
    tool = rng.choice(["ls -la", "du -sh", "cat", "wc -l", "file", "stat", "head -n 20", "tar tzf"])
    parts = ", ".join(f'"{p}"' for p in tool.split())
    fn = rng.choice(["call", "check_output", "run", "Popen", "check_call"])
    tail = ".communicate()" if fn == "Popen" else ""
    shape = rng.randrange(3)
    if shape == 0:
        v = lines(f'$cmd = "{tool} " + $path\n$res = subprocess.{fn}($cmd, shell=True){tail}', n)
        f = lines(f'$cmd = [{parts}, $path]\n$res = subprocess.{fn}($cmd){tail}', n)
    elif shape == 1:
        v = lines(f'$res = subprocess.{fn}(f"{tool} {{$path}}", shell=True){tail}', n)
        f = lines(f'$res = subprocess.{fn}([{parts}, "--", $path], shell=False){tail}', n)
    else:
        v = lines(f'$cmd = "{tool} %s" % $path\n$res = subprocess.{fn}($cmd, shell=True){tail}', n)
        f = lines(f'$cmd = "{tool} %s" % shlex.quote($path)\n'
                  f'$res = subprocess.{fn}(shlex.split($cmd)){tail}', n)
    return Core([n["path"]], v + lines("return $res", n), f + lines("return $res", n),
                ["import subprocess"], ["import shlex", "import subprocess"])


@template("cmd_popen", 78)
def _cmd_popen(rng: random.Random, n: Names) -> Core:
    tool = rng.choice(["cat", "grep -c error", "md5sum", "wc -c", "tail -n 5"])
    parts = ", ".join(f'"{p}"' for p in tool.split())
    v = lines(f'with os.popen("{tool} " + $path) as pipe:\n    $res = pipe.read()\nreturn $res', n)
    f = lines(f'proc = subprocess.run([{parts}, $path], capture_output=True, text=True)\n'
              f'$res = proc.stdout\nreturn $res', n)
    return Core([n["path"]], v, f, ["import os"], ["import subprocess"])


@template("cmd_rm", 78)
def _cmd_rm(rng: random.Random, n: Names) -> Core:
    v = lines(_pick(rng, 'os.system("rm -rf " + $dir)', 'os.system(f"rm -rf {$dir}")',
                    'subprocess.call("rm -rf %s" % $dir, shell=True)'), n)
    f = lines(_pick(rng, "shutil.rmtree($dir, ignore_errors=True)",
                    'subprocess.call(["rm", "-rf", "--", $dir])'), n)
    return Core([n["dir"]], v + ["return True"], f + ["return True"],
                ["import os", "import subprocess"], ["import shutil", "import subprocess"])


@template("cmd_git_clone", 78)
def _cmd_git_clone(rng: random.Random, n: Names) -> Core:
    v = lines('subprocess.check_call(f"git clone {$url} {$dir}", shell=True)', n)
    f = lines('subprocess.check_call(["git", "clone", "--", $url, $dir])', n)
    return Core([n["url"], n["dir"]], v + lines("return $dir", n), f + lines("return $dir", n),
                ["import subprocess"], ["import subprocess"])


def _sql_query(rng: random.Random, n: Names) -> tuple[str, str, str]:
    kind = rng.randrange(4)
    t, c = n["table"], n["col"]
    if kind == 0:
        return f"SELECT * FROM {t} WHERE {c} = ", f"SELECT * FROM {t} WHERE {c} = ", "fetchall"
    if kind == 1:
        return (f"SELECT id, {c} FROM {t} WHERE id = ", f"SELECT id, {c} FROM {t} WHERE id = ",
                "fetchone")
    if kind == 2:
        return f"DELETE FROM {t} WHERE {c} = ", f"DELETE FROM {t} WHERE {c} = ", "rowcount"
    return (f"SELECT COUNT(*) FROM {t} WHERE {c} LIKE ", f"SELECT COUNT(*) FROM {t} WHERE {c} LIKE ",
            "fetchone")


@template("sql_format", 89)
def _sql_format(rng: random.Random, n: Names) -> Core:
    base, _, fetch = _sql_query(rng, n)
    style = rng.randrange(5)
    val = n["text"]
    vq = {0: f"f\"{base}'{{{val}}}'\"", 1: f"\"{base}'%s'\" % {val}",
          2: f"\"{base}'\" + {val} + \"'\"", 3: f"\"{base}'{{}}'\".format({val})",
          4: f"\"{base}\" + str({val})"}[style]
    placeholder = rng.choice(["?", "%s"])
    fq = f'"{base}{placeholder}"'
    fetch_line = "$res = $cur.rowcount" if fetch == "rowcount" else f"$res = $cur.{fetch}()"
    if rng.random() < 0.5:
        v = lines(f"sql = {vq}\n$cur.execute(sql)\n{fetch_line}\nreturn $res", n)
        f = lines(f"sql = {fq}\n$cur.execute(sql, ({val},))\n{fetch_line}\nreturn $res", n)
    else:
        v = lines(f"$cur.execute({vq})\n{fetch_line}\nreturn $res", n)
        f = lines(f"$cur.execute({fq}, ({val},))\n{fetch_line}\nreturn $res", n)
    if rng.random() < 0.5:
        setup = lines("$cur = $conn.cursor()", n)
        return Core([n["conn"], val], setup + v, setup + f)
    return Core([n["cur"], val], v, f)


@template("sql_sqlite_connect", 89)
def _sql_sqlite(rng: random.Random, n: Names) -> Core:
    t, c = n["table"], n["col"]
    val = n["ident"]
    db = rng.choice(["app.db", "data.sqlite", "users.db", "store.db"])
    head = lines(f'$conn = sqlite3.connect("{db}")\n$cur = $conn.cursor()', n)
    v = head + lines(f'$cur.execute("UPDATE {t} SET {c} = \'x\' WHERE id = " + str($ident))\n'
                     "$conn.commit()\n$conn.close()", n)
    f = head + lines(f'$cur.execute("UPDATE {t} SET {c} = \'x\' WHERE id = ?", ($ident,))\n'
                     "$conn.commit()\n$conn.close()", n)
    return Core([val], v, f, ["import sqlite3"], ["import sqlite3"])


@template("sql_sqlalchemy", 89)
def _sql_sqlalchemy(rng: random.Random, n: Names) -> Core:
    t, c = n["table"], n["col"]
    v = lines(f'$res = $conn.execute(text(f"SELECT * FROM {t} WHERE {c} = \'{{$text}}\'"))\n'
              "return $res.fetchall()", n)
    f = lines(f'$res = $conn.execute(text("SELECT * FROM {t} WHERE {c} = :value"), '
              '{"value": $text})\nreturn $res.fetchall()', n)
    imp = ["from sqlalchemy import text"]
    return Core([n["conn"], n["text"]], v, f, imp, imp)


@template("sql_executescript", 89)
def _sql_insert(rng: random.Random, n: Names) -> Core:
    t, c = n["table"], n["col"]
    v = lines(f'$cur.execute("INSERT INTO {t} ({c}, owner) VALUES (\'%s\', \'%s\')" % ($text, $ident))\n'
              "$conn.commit()", n)
    f = lines(f'$cur.execute("INSERT INTO {t} ({c}, owner) VALUES (?, ?)", ($text, $ident))\n'
              "$conn.commit()", n)
    setup = lines("$cur = $conn.cursor()", n)
    return Core([n["conn"], n["text"], n["ident"]], setup + v, setup + f)


@template("eval_literal", 95)
def _eval_literal(rng: random.Random, n: Names) -> Core:
    e = n["expr"]
    v = lines(_pick(rng, "$res = eval($expr)", "$res = eval($expr, {}, {})",
                    "$res = eval($expr.strip())"), n)
    f = lines(_pick(rng, "$res = ast.literal_eval($expr)", "$res = ast.literal_eval($expr.strip())",
                    "$res = json.loads($expr)"), n)
    return Core([e], v + lines("return $res", n), f + lines("return $res", n), [],
                ["import ast", "import json"])


@template("eval_calc", 95)
def _eval_calc(rng: random.Random, n: Names) -> Core:
    a, b = rng.choice([("a", "b"), ("x", "y"), ("left", "right"), ("lhs", "rhs")])
    op = rng.choice(["op", "operator_name", "sym", "operation"])
    v = [f'return eval(f"{{{a}}} {{{op}}} {{{b}}}")']
    f = ["ops = {\"+\": operator.add, \"-\": operator.sub, \"*\": operator.mul, \"/\": operator.truediv}",
         f"if {op} not in ops:", '    raise ValueError("unsupported operator")',
         f"return ops[{op}](float({a}), float({b}))"]
    return Core([a, op, b], v, f, [], ["import operator"])


@template("exec_code", 94)
def _exec_code(rng: random.Random, n: Names) -> Core:
    e = n["expr"]
    v = lines(_pick(rng, "exec($expr)\nreturn True", "exec($expr, globals())\nreturn True",
                    'exec(compile($expr, "<input>", "exec"))\nreturn True'), n)
    f = lines('ALLOWED = {"noop": lambda: None, "ping": lambda: "pong"}\n'
              "handler = ALLOWED.get($expr)\nif handler is None:\n"
              '    raise ValueError("unknown action")\nhandler()\nreturn True', n)
    return Core([e], v, f)


@template("eval_int", 95)
def _eval_int(rng: random.Random, n: Names) -> Core:
    v = lines("$n = eval($text)\nreturn list(range($n))", n)
    f = lines("$n = int($text)\nreturn list(range($n))", n)
    return Core([n["text"]], v, f)


@template("pickle_loads", 502)
def _pickle_loads(rng: random.Random, n: Names) -> Core:
    mod = rng.choice(["pickle", "cPickle_fallback", "marshal", "dill", "jsonpickle"])
    call = {"pickle": "pickle.loads($blob)", "cPickle_fallback": "pickle.loads(bytes($blob))",
            "marshal": "marshal.loads($blob)", "dill": "dill.loads($blob)",
            "jsonpickle": "jsonpickle.decode($blob)"}[mod]
    imp = {"pickle": "import pickle", "cPickle_fallback": "import pickle",
           "marshal": "import marshal", "dill": "import dill", "jsonpickle": "import jsonpickle"}[mod]
    if rng.random() < 0.3:
        call = call.replace("$blob", "base64.b64decode($blob)")
        imports = [imp, "import base64"]
        fcall = "json.loads(base64.b64decode($blob))"
        fimp = ["import base64", "import json"]
    else:
        imports, fcall, fimp = [imp], "json.loads($blob)", ["import json"]
    return Core([n["blob"]], lines(f"$res = {call}\nreturn $res", n),
                lines(f"$res = {fcall}\nreturn $res", n), imports, fimp)


@template("pickle_load_file", 502)
def _pickle_file(rng: random.Random, n: Names) -> Core:
    opener = _open(rng, "$path", "rb")
    v = lines(f"with {opener} as fh:\n    $res = pickle.load(fh)\nreturn $res", n)
    f = lines(f"with {opener if rng.random() < 0.5 else _open(rng, '$path', 'r')} as fh:\n"
              "    $res = json.load(fh)\nreturn $res", n)
    return Core([n["path"]], v, f, ["import pickle"], ["import json"])


@template("yaml_load", 502)
def _yaml_load(rng: random.Random, n: Names) -> Core:
    v = _pick(rng, "yaml.load($blob)", "yaml.load($blob, Loader=yaml.Loader)",
              "yaml.load($blob, Loader=yaml.FullLoader)", "yaml.unsafe_load($blob)",
              "yaml.load($blob, Loader=yaml.UnsafeLoader)")
    f = _pick(rng, "yaml.safe_load($blob)", "yaml.load($blob, Loader=yaml.SafeLoader)")
    if rng.random() < 0.4:
        vb = lines(f'with open($path) as fh:\n    $res = {v.replace("$blob", "fh")}\nreturn $res', n)
        fb = lines(f'with open($path) as fh:\n    $res = {f.replace("$blob", "fh")}\nreturn $res', n)
        return Core([n["path"]], vb, fb, ["import yaml"], ["import yaml"])
    return Core([n["blob"]], lines(f"$res = {v}\nreturn $res", n),
                lines(f"$res = {f}\nreturn $res", n), ["import yaml"], ["import yaml"])


@template("path_join_open", 22)
def _path_join(rng: random.Random, n: Names) -> Core:
    mode = rng.choice(["r", "rb"])
    open_line = f'with {_open(rng, "full", mode)} as fh:\n    return fh.read()'
    v = lines(f"full = os.path.join($base, $path)\n{open_line}", n)
    check = _pick(rng,
                  "full = os.path.realpath(os.path.join($base, $path))\n"
                  "if not full.startswith(os.path.realpath($base) + os.sep):\n"
                  '    raise ValueError("path escapes the base directory")',
                  "full = os.path.abspath(os.path.join($base, $path))\n"
                  "if os.path.commonpath([full, os.path.abspath($base)]) != os.path.abspath($base):\n"
                  '    raise PermissionError("forbidden path")',
                  "full = os.path.join($base, os.path.basename($path))")
    f = lines(f"{check}\n{open_line}", n)
    mod = lines(f'$base = "/srv/{rng.choice(["files", "data", "uploads", "static"])}"', n)
    return Core([n["path"]], v, f, ["import os"], ["import os"], mod, mod)


@template("path_pathlib", 22)
def _path_pathlib(rng: random.Random, n: Names) -> Core:
    v = lines("target = Path($base) / $path\nreturn target.read_text()", n)
    f = lines("root = Path($base).resolve()\ntarget = (root / $path).resolve()\n"
              "if not target.is_relative_to(root):\n    raise ValueError(\"invalid path\")\n"
              "return target.read_text()", n)
    mod = lines('$base = "/var/app/docs"', n)
    return Core([n["path"]], v, f, ["from pathlib import Path"], ["from pathlib import Path"],
                mod, mod)


@template("path_send_file", 22)
def _path_send_file(rng: random.Random, n: Names) -> Core:
    v = lines('$path = request.args.get("file", "")\n'
              "return send_file(os.path.join($base, $path))", n)
    f = lines('$path = request.args.get("file", "")\n'
              "return send_from_directory($base, $path)", n)
    mod = lines('$base = "/srv/downloads"', n)
    return Core([], v, f, ["import os", "from flask import send_file"],
                ["import os", "from flask import send_from_directory"], mod, mod,
                shapes=("route",), route_only=True)


@template("tar_extractall", 22)
def _tar_extract(rng: random.Random, n: Names) -> Core:
    opener = rng.choice(['tarfile.open($path)', 'tarfile.open($path, "r:gz")'])
    v = lines(f"with {opener} as tar:\n    tar.extractall($dir)  #@\nreturn $dir", n)
    f = lines(_pick(rng,
                    f"with {opener} as tar:\n    for member in tar.getmembers():\n"
                    "        dest = os.path.realpath(os.path.join($dir, member.name))\n"
                    "        if not dest.startswith(os.path.realpath($dir) + os.sep):\n"
                    '            raise ValueError("unsafe member " + member.name)\n'
                    "    tar.extractall($dir)\nreturn $dir",
                    f'with {opener} as tar:\n    tar.extractall($dir, filter="data")\nreturn $dir'), n)
    return Core([n["path"], n["dir"]], v, f, ["import tarfile"], ["import os", "import tarfile"])


@template("zip_extractall", 22)
def _zip_extract(rng: random.Random, n: Names) -> Core:
    v = lines("with zipfile.ZipFile($path) as zf:\n    for info in zf.infolist():\n"
              "        zf.extract(info, $dir)  #@\nreturn $dir", n)
    f = lines("with zipfile.ZipFile($path) as zf:\n    for info in zf.infolist():\n"
              "        dest = os.path.realpath(os.path.join($dir, info.filename))\n"
              "        if not dest.startswith(os.path.realpath($dir) + os.sep):\n"
              '            raise ValueError("zip slip")\n'
              "        zf.extract(info, $dir)\nreturn $dir", n)
    return Core([n["path"], n["dir"]], v, f, ["import zipfile"], ["import os", "import zipfile"])


@template("upload_save", 434)
def _upload(rng: random.Random, n: Names) -> Core:
    v = lines('upload = request.files["file"]\n'
              "upload.save(os.path.join($base, upload.filename))\nreturn \"ok\"", n)
    f = lines('upload = request.files["file"]\nsafe_name = secure_filename(upload.filename)\n'
              'if not safe_name.lower().endswith((".png", ".jpg", ".pdf")):\n'
              '    return "bad type", 400\n'
              "upload.save(os.path.join($base, safe_name))\nreturn \"ok\"", n)
    mod = lines('$base = "/srv/uploads"', n)
    return Core([], v, f, ["import os"], ["import os", "from werkzeug.utils import secure_filename"],
                mod, mod, shapes=("route",), route_only=True)


@template("weak_hash_password", 327)
def _weak_hash(rng: random.Random, n: Names) -> Core:
    algo = rng.choice(["md5", "sha1"])
    s = n["secret"]
    v = lines(_pick(rng, f"return hashlib.{algo}($secret.encode()).hexdigest()",
                    f'return hashlib.new("{algo}", $secret.encode()).hexdigest()',
                    f"digest = hashlib.{algo}()\ndigest.update($secret.encode(\"utf-8\"))\n"
                    "return digest.hexdigest()"), n)
    if rng.random() < 0.35:
        v = lines(f"salt = {_pick(rng, 'secrets.token_hex(8)', 'os.urandom(8).hex()', 'uuid.uuid4().hex')}\n"
                  f"digest = hashlib.{algo}((salt + $secret).encode()).hexdigest()\n"
                  "return salt, digest", n)
    f = lines(_pick(rng, "salt = os.urandom(16)\n"
                    'key = hashlib.pbkdf2_hmac("sha256", $secret.encode(), salt, 200000)\n'
                    "return salt.hex() + key.hex()",
                    "salt = secrets.token_bytes(16)\n"
                    "key = hashlib.scrypt($secret.encode(), salt=salt, n=2**14, r=8, p=1)\n"
                    "return salt.hex() + key.hex()"), n)
    imports = ["import hashlib", "import os", "import secrets", "import uuid"]
    return Core([s], v, f, imports, imports)


@template("weak_hash_integrity", 328)
def _weak_hash_integrity(rng: random.Random, n: Names) -> Core:
    algo = rng.choice(["md5", "sha1"])
    good = rng.choice(["sha256", "sha512", "sha3_256", "blake2b"])
    v = lines(f"h = hashlib.{algo}()\nwith open($path, \"rb\") as fh:\n"
              "    for chunk in iter(lambda: fh.read(8192), b\"\"):\n        h.update(chunk)\n"
              "return h.hexdigest()", n)
    f = lines(f"h = hashlib.{good}()\nwith open($path, \"rb\") as fh:\n"
              "    for chunk in iter(lambda: fh.read(8192), b\"\"):\n        h.update(chunk)\n"
              "return h.hexdigest()", n)
    return Core([n["path"]], v, f, ["import hashlib"], ["import hashlib"])


@template("weak_cipher", 327)
def _weak_cipher(rng: random.Random, n: Names) -> Core:
    kind = rng.randrange(3)
    if kind == 0:
        v = lines("cipher = DES.new(key, DES.MODE_ECB)\nreturn cipher.encrypt(pad($blob, 8))", n)
        f = lines("cipher = AES.new(key, AES.MODE_GCM)\n"
                  "ciphertext, tag = cipher.encrypt_and_digest($blob)\n"
                  "return cipher.nonce + tag + ciphertext", n)
        return Core(["key", n["blob"]], v, f,
                    ["from Crypto.Cipher import DES", "from Crypto.Util.Padding import pad"],
                    ["from Crypto.Cipher import AES"])
    if kind == 1:
        v = lines("cipher = AES.new(key, AES.MODE_ECB)\nreturn cipher.encrypt(pad($blob, 16))", n)
        f = lines("cipher = AES.new(key, AES.MODE_GCM)\n"
                  "ciphertext, tag = cipher.encrypt_and_digest($blob)\n"
                  "return cipher.nonce + tag + ciphertext", n)
        return Core(["key", n["blob"]], v, f,
                    ["from Crypto.Cipher import AES", "from Crypto.Util.Padding import pad"],
                    ["from Crypto.Cipher import AES"])
    v = lines("cipher = Cipher(algorithms.ARC4(key), mode=None)\n"
              "enc = cipher.encryptor()\nreturn enc.update($blob)", n)
    f = lines("nonce = os.urandom(12)\nreturn nonce + AESGCM(key).encrypt(nonce, $blob, None)", n)
    return Core(["key", n["blob"]], v, f,
                ["from cryptography.hazmat.primitives.ciphers import Cipher, algorithms"],
                ["import os", "from cryptography.hazmat.primitives.ciphers.aead import AESGCM"])


@template("weak_rsa_key", 326)
def _weak_rsa(rng: random.Random, n: Names) -> Core:
    small = rng.choice(["512", "1024"])
    big = rng.choice(["2048", "3072", "4096"])
    if rng.random() < 0.5:
        v = [f"return rsa.generate_private_key(public_exponent=65537, key_size={small})"]
        f = [f"return rsa.generate_private_key(public_exponent=65537, key_size={big})"]
        imp = ["from cryptography.hazmat.primitives.asymmetric import rsa"]
    else:
        v = [f"key = RSA.generate({small})", "return key.export_key()"]
        f = [f"key = RSA.generate({big})", "return key.export_key()"]
        imp = ["from Crypto.PublicKey import RSA"]
    return Core([], v, f, imp, imp, shapes=("func", "method"))


@template("insecure_random_token", 338)
def _random_token(rng: random.Random, n: Names) -> Core:
    kind = rng.randrange(4)
    if kind == 0:
        v = lines("alphabet = string.ascii_letters + string.digits\n"
                  'return "".join(random.choice(alphabet) for _ in range($n))', n)
        f = lines("alphabet = string.ascii_letters + string.digits\n"
                  'return "".join(secrets.choice(alphabet) for _ in range($n))', n)
        return Core([n["n"]], v, f, ["import random", "import string"],
                    ["import secrets", "import string"])
    if kind == 1:
        v = lines("return str(random.randint(100000, 999999))", n)
        f = lines("return str(secrets.randbelow(900000) + 100000)", n)
        return Core([], v, f, ["import random"], ["import secrets"], shapes=("func", "method"))
    if kind == 2:
        v = lines('return "%032x" % random.getrandbits(128)', n)
        f = lines("return secrets.token_hex(16)", n)
        return Core([], v, f, ["import random"], ["import secrets"], shapes=("func", "method"))
    v = lines("random.seed(time.time())\nreturn random.random()", n)
    f = lines("return secrets.SystemRandom().random()", n)
    return Core([], v, f, ["import random", "import time"], ["import secrets"],
                shapes=("func", "method"))


@template("hardcoded_password", 798)
def _hardcoded(rng: random.Random, n: Names) -> Core:
    pw = rng.choice(["hunter2", "P@ssw0rd!", "admin123", "s3cr3tPass", "changeme", "Winter2024!",
                     "qwerty!9", "Tr0ub4dor&3"])
    env = rng.choice(["DB_PASSWORD", "APP_DB_PASS", "DATABASE_PASSWORD", "PGPASSWORD"])
    kind = rng.randrange(3)
    if kind == 0:
        v = [f'return psycopg2.connect(host=$host, user="app", password="{pw}")']
        f = [f'return psycopg2.connect(host=$host, user="app", password=os.environ["{env}"])']
        return Core([n["host"]], lines(v[0], n), lines(f[0], n), ["import psycopg2"],
                    ["import os", "import psycopg2"])
    if kind == 1:
        v = lines(f'if $secret == "{pw}":\n    return True\nreturn False', n)
        f = lines(f'expected = os.environ.get("{env}", "")\n'
                  "return bool(expected) and hmac.compare_digest($secret, expected)", n)
        return Core([n["secret"]], v, f, [], ["import hmac", "import os"])
    key = rng.choice(["API_KEY", "SECRET_KEY", "TOKEN", "AUTH_TOKEN"])
    val = "sk_live_" + "".join(rng.choice("abcdef0123456789") for _ in range(16))
    mv = [f'{key} = "{val}"']
    mf = [f'{key} = os.environ.get("{key}", "")']
    v = lines(f'return requests.get($url, headers={{"Authorization": "Bearer " + {key}}}, timeout=10)', n)
    return Core([n["url"]], v, v, ["import requests"], ["import os", "import requests"], mv, mf)


@template("flask_secret_key", 798)
def _flask_secret(rng: random.Random, n: Names) -> Core:
    val = rng.choice(["dev", "secret", "changeme", "super-secret-key", "abc123"])
    mv = [f'app.config["SECRET_KEY"] = "{val}"']
    mf = ['app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]']
    body = lines('return "hello " + escape(request.args.get("name", ""))', n)
    return Core([], body, body, ["from markupsafe import escape"],
                ["import os", "from markupsafe import escape"], mv, mf, shapes=("route",),
                route_only=True)


@template("hardcoded_crypto_key", 321)
def _hardcoded_key(rng: random.Random, n: Names) -> Core:
    k = "".join(rng.choice("0123456789abcdef") for _ in range(16))
    mv = [f'KEY = b"{k}"']
    mf = [rng.choice(['KEY = os.environ["APP_KEY"].encode()', "KEY = os.urandom(16)"])]
    body = lines("return Fernet(base64.urlsafe_b64encode(KEY.ljust(32, b\"0\"))).encrypt($blob)", n)
    return Core([n["blob"]], body, body, ["import base64", "from cryptography.fernet import Fernet"],
                ["import base64", "import os", "from cryptography.fernet import Fernet"], mv, mf)


@template("static_iv", 329)
def _static_iv(rng: random.Random, n: Names) -> Core:
    v = lines('iv = b"\\x00" * 16\ncipher = AES.new(key, AES.MODE_CBC, iv)\n'
              "return iv + cipher.encrypt(pad($blob, 16))", n)
    f = lines("iv = os.urandom(16)\ncipher = AES.new(key, AES.MODE_CBC, iv)\n"
              "return iv + cipher.encrypt(pad($blob, 16))", n)
    imp = ["from Crypto.Cipher import AES", "from Crypto.Util.Padding import pad"]
    return Core(["key", n["blob"]], v, f, imp, imp + ["import os"])


@template("tls_verify_false", 295)
def _tls_verify(rng: random.Random, n: Names) -> Core:
    meth = rng.choice(["get", "post", "put", "get", "request"])
    args = "$url"
    if meth == "request":
        args = '"GET", $url'
    ps = [n["url"]]
    if meth in ("post", "put"):
        args += ", json=$blob"
        ps.append(n["blob"])
    extra = rng.choice(["", ", timeout=10", ", timeout=30", ', headers={"Accept": "application/json"}',
                        ', headers={"Authorization": "Token " + $secret}, timeout=15'])
    if "$secret" in extra:
        ps.append(n["secret"])
    bad = rng.choice(["verify=False", "verify=False", "verify=0"])
    good = rng.choice(["verify=True", 'verify="/etc/ssl/certs/ca-bundle.pem"', "verify=CA_BUNDLE",
                       ""])
    order = rng.random() < 0.5
    def call(flag: str) -> str:
        parts = [args] + ([flag] if flag and order else []) + ([extra.lstrip(", ")] if extra else []) \
            + ([flag] if flag and not order else [])
        return f"requests.{meth}({', '.join(parts)})"
    tail = rng.choice(["return $res.json()", "$res.raise_for_status()\nreturn $res.json()",
                       "return $res.text"])
    v = lines(f"$res = {call(bad)}\n{tail}", n)
    f = lines(f"$res = {call(good)}\n{tail}", n)
    mod = ['CA_BUNDLE = "/etc/pki/internal-ca.pem"'] if "CA_BUNDLE" in good else []
    return Core(ps, v, f, ["import requests"], ["import requests"], mod, mod)


@template("ssl_unverified", 295)
def _ssl_unverified(rng: random.Random, n: Names) -> Core:
    if rng.random() < 0.5:
        v = lines("ctx = ssl._create_unverified_context()\n"
                  "with urllib.request.urlopen($url, context=ctx) as resp:\n    return resp.read()", n)
    else:
        v = lines("ctx = ssl.create_default_context()\nctx.check_hostname = False\n"
                  "ctx.verify_mode = ssl.CERT_NONE\n"
                  "with urllib.request.urlopen($url, context=ctx) as resp:\n    return resp.read()", n)
    f = lines("ctx = ssl.create_default_context()\n"
              "with urllib.request.urlopen($url, context=ctx) as resp:\n    return resp.read()", n)
    imp = ["import ssl", "import urllib.request"]
    return Core([n["url"]], v, f, imp, imp)


@template("paramiko_autoadd", 295)
def _paramiko(rng: random.Random, n: Names) -> Core:
    v = lines("client = paramiko.SSHClient()\n"
              "client.set_missing_host_key_policy(paramiko.AutoAddPolicy())\n"
              "client.connect($host)\nreturn client", n)
    f = lines("client = paramiko.SSHClient()\nclient.load_system_host_keys()\n"
              "client.set_missing_host_key_policy(paramiko.RejectPolicy())\n"
              "client.connect($host)\nreturn client", n)
    return Core([n["host"]], v, f, ["import paramiko"], ["import paramiko"])


@template("xxe_parse", 611)
def _xxe(rng: random.Random, n: Names) -> Core:
    kind = rng.randrange(4)
    if kind == 0:
        v = lines("root = ET.fromstring($blob)\nreturn root.findtext(\"name\")", n)
        return Core([n["blob"]], v, v, ["import xml.etree.ElementTree as ET"],
                    ["import defusedxml.ElementTree as ET"])
    if kind == 1:
        v = lines("parser = etree.XMLParser(resolve_entities=True)\n"
                  "root = etree.fromstring($blob, parser)\nreturn root.tag", n)
        f = lines("parser = etree.XMLParser(resolve_entities=False, no_network=True)\n"
                  "root = etree.fromstring($blob, parser)\nreturn root.tag", n)
        return Core([n["blob"]], v, f, ["from lxml import etree"], ["from lxml import etree"])
    if kind == 2:
        v = lines("doc = minidom.parseString($blob)\nreturn doc.documentElement.tagName", n)
        return Core([n["blob"]], v, v, ["from xml.dom import minidom"],
                    ["from defusedxml import minidom"])
    v = lines("tree = etree.parse($path)\nreturn tree.getroot()", n)
    f = lines("tree = etree.parse($path, etree.XMLParser(resolve_entities=False))\nreturn tree.getroot()", n)
    return Core([n["path"]], v, f, ["from lxml import etree"], ["from lxml import etree"])


@template("xss_fstring", 79)
def _xss(rng: random.Random, n: Names) -> Core:
    tag = rng.choice(["h1", "p", "div", "span", "li", "b"])
    t = n["text"]
    kind = rng.randrange(4)
    if kind == 0:
        v = lines(f'return f"<{tag}>Hello {{$text}}</{tag}>"', n)
        f = lines(f'return f"<{tag}>Hello {{html.escape($text)}}</{tag}>"', n)
    elif kind == 1:
        v = lines(f'return "<{tag}>" + $text + "</{tag}>"', n)
        f = lines(f'return "<{tag}>" + html.escape($text) + "</{tag}>"', n)
    elif kind == 2:
        v = lines(f'return "<{tag}>%s</{tag}>" % $text', n)
        f = lines(f'return "<{tag}>%s</{tag}>" % html.escape($text)', n)
    else:
        v = lines(f'page = "<{tag}>{{}}</{tag}>".format($text)\nreturn page', n)
        f = lines(f'page = "<{tag}>{{}}</{tag}>".format(html.escape($text, quote=True))\nreturn page', n)
    return Core([t], v, f, [], ["import html"])


@template("xss_flask", 79)
def _xss_flask(rng: random.Random, n: Names) -> Core:
    q = rng.choice(["q", "name", "search", "comment", "msg"])
    kind = rng.randrange(3)
    get = f'$text = request.args.get("{q}", "")'
    if kind == 0:
        v = lines(f'{get}\nreturn make_response("<p>Results for " + $text + "</p>")', n)
        f = lines(f'{get}\nreturn make_response("<p>Results for " + escape($text) + "</p>")', n)
        return Core([], v, f, ["from flask import make_response"],
                    ["from flask import make_response", "from markupsafe import escape"],
                    shapes=("route",), route_only=True)
    if kind == 1:
        v = lines(f'{get}\nreturn render_template_string(f"<h2>{{$text}}</h2>")', n)
        f = lines(f'{get}\nreturn render_template_string("<h2>{{{{ value }}}}</h2>", value=$text)', n)
        return Core([], v, f, ["from flask import render_template_string"],
                    ["from flask import render_template_string"], shapes=("route",), route_only=True)
    v = lines(f'{get}\nreturn Markup(f"<em>{{$text}}</em>")', n)
    f = lines(f'{get}\nreturn Markup("<em>{{}}</em>").format($text)', n)
    return Core([], v, f, ["from markupsafe import Markup"], ["from markupsafe import Markup"],
                shapes=("route",), route_only=True)


@template("jinja_autoescape", 79)
def _jinja(rng: random.Random, n: Names) -> Core:
    v = lines('env = Environment(loader=FileSystemLoader("templates"), autoescape=False)\n'
              'return env.get_template("page.html").render(value=$text)', n)
    f = lines(_pick(rng, 'env = Environment(loader=FileSystemLoader("templates"), autoescape=True)\n'
                    'return env.get_template("page.html").render(value=$text)',
                    'env = Environment(loader=FileSystemLoader("templates"), '
                    'autoescape=select_autoescape(["html", "xml"]))\n'
                    'return env.get_template("page.html").render(value=$text)'), n)
    return Core([n["text"]], v, f, ["from jinja2 import Environment, FileSystemLoader"],
                ["from jinja2 import Environment, FileSystemLoader, select_autoescape"])


@template("open_redirect", 601)
def _redirect(rng: random.Random, n: Names) -> Core:
    key = rng.choice(["next", "url", "redirect", "return_to", "target"])
    get = f'$url = request.args.get("{key}", "/")'
    v = lines(f"{get}\nreturn redirect($url)  #@", n)
    f = lines(_pick(rng, f'{get}\nif urlparse($url).netloc not in ("", "example.com"):\n'
                    '    $url = "/"\nreturn redirect($url)',
                    f'{get}\nparsed = urlparse($url)\nif parsed.scheme or parsed.netloc:\n'
                    '    return redirect("/")\nreturn redirect($url)'), n)
    return Core([], v, f, ["from flask import redirect"],
                ["from urllib.parse import urlparse", "from flask import redirect"],
                shapes=("route",), route_only=True)


@template("ssrf_fetch", 918)
def _ssrf(rng: random.Random, n: Names) -> Core:
    fetch = _pick(rng, "requests.get($url, timeout=5).text",
                  "urllib.request.urlopen($url).read()")
    v = lines(f"return {fetch}  #@", n)
    f = lines('ALLOWED_HOSTS = {"api.example.com", "cdn.example.com"}\n'
              "parsed = urlparse($url)\n"
              'if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:\n'
              '    raise ValueError("host not allowed")\n'
              f"return {fetch}", n)
    return Core([n["url"]], v, f, ["import requests", "import urllib.request"],
                ["import requests", "import urllib.request", "from urllib.parse import urlparse"])


@template("mktemp", 377)
def _mktemp(rng: random.Random, n: Names) -> Core:
    suffix = rng.choice(["", "", 'suffix=".txt"', 'suffix=".json"', 'prefix="job-"', 'suffix=".html"'])
    writer = _open(rng, "tmp", "w")
    if rng.random() < 0.6:
        v = lines(f"tmp = tempfile.mktemp({suffix})\nwith {writer} as fh:\n    fh.write($text)\nreturn tmp", n)
        f = lines(_pick(rng, f'fd, tmp = tempfile.mkstemp({suffix})\nwith os.fdopen(fd, "w") as fh:\n'
                        "    fh.write($text)\nreturn tmp",
                        f'with tempfile.NamedTemporaryFile("w", delete=False{", " + suffix if suffix else ""}) as fh:\n'
                        "    fh.write($text)\n    return fh.name",
                        f"tmp = os.path.join(tempfile.mkdtemp(), \"out.tmp\")\nwith {writer} as fh:\n"
                        "    fh.write($text)\nreturn tmp"), n)
        return Core([n["text"]], v, f, ["import os", "import tempfile"], ["import os", "import tempfile"])
    target = _pick(rng, '"/tmp/" + $path', 'f"/tmp/{$path}.tmp"', 'os.path.join("/tmp", $path)')
    v = lines(f"tmp = {target}\nwith {writer} as fh:\n    fh.write($text)\nreturn tmp", n)
    f = lines(f"workdir = tempfile.mkdtemp()\ntmp = os.path.join(workdir, os.path.basename($path))\n"
              f"with {writer} as fh:\n    fh.write($text)\nreturn tmp", n)
    return Core([n["path"], n["text"]], v, f, ["import os", "import tempfile"], ["import os", "import tempfile"])


@template("chmod_world", 732)
def _chmod(rng: random.Random, n: Names) -> Core:
    bad = rng.choice(["0o777", "0o666", "0o776", "511", "stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO"])
    good = rng.choice(["0o600", "0o640", "0o644", "0o700", "stat.S_IRUSR | stat.S_IWUSR"])
    kind = rng.randrange(3)
    if kind == 0:
        writer = _open(rng, "$path", "w")
        v = lines(f"with {writer} as fh:\n    fh.write($text)\nos.chmod($path, {bad})", n)
        f = lines(f"with {writer} as fh:\n    fh.write($text)\nos.chmod($path, {good})", n)
        return Core([n["path"], n["text"]], v, f, ["import os", "import stat"],
                    ["import os", "import stat"])
    if kind == 1:
        v = lines(f"os.makedirs($dir, mode={bad}, exist_ok=True)\nreturn $dir", n)
        f = lines(f"os.makedirs($dir, mode={good.replace('0o6', '0o7')}, exist_ok=True)\nreturn $dir", n)
        return Core([n["dir"]], v, f, ["import os", "import stat"], ["import os", "import stat"])
    v = lines('fd = os.open($path, os.O_WRONLY | os.O_CREAT, 0o666)\n'
              "os.write(fd, $text.encode())\nos.close(fd)", n)
    f = lines('fd = os.open($path, os.O_WRONLY | os.O_CREAT, 0o600)\n'
              "os.write(fd, $text.encode())\nos.close(fd)", n)
    return Core([n["path"], n["text"]], v, f, ["import os"], ["import os"])


@template("flask_debug", 489)
def _flask_debug(rng: random.Random, n: Names) -> Core:
    port = rng.choice(["5000", "8080", "8000"])
    body = lines('return {"status": "ok"}', n)
    mv = ['if __name__ == "__main__":', f"    app.run(debug=True, port={port})"]
    mf = ['if __name__ == "__main__":',
          _pick(rng, f"    app.run(debug=False, port={port})",
                f'    app.run(debug=os.environ.get("FLASK_DEBUG") == "1", port={port})')]
    return Core([], body, body, [], ["import os"], mv, mf, shapes=("route",), route_only=True)


@template("bind_all", 605)
def _bind_all(rng: random.Random, n: Names) -> Core:
    port = rng.choice(["9000", "8443", "5555", "7000"])
    v = lines(f'srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\nsrv.bind(("0.0.0.0", {port}))\n'
              "srv.listen(5)\nreturn srv", n)
    f = lines(f'srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\nsrv.bind(("127.0.0.1", {port}))\n'
              "srv.listen(5)\nreturn srv", n)
    return Core([], v, f, ["import socket"], ["import socket"], shapes=("func", "method"))


@template("error_leak", 209)
def _error_leak(rng: random.Random, n: Names) -> Core:
    v = lines("try:\n    return {\"value\": int($text)}\nexcept Exception as exc:\n"
              + _pick(rng, '    return {"error": str(exc), "trace": traceback.format_exc()}, 500',
                      '    return traceback.format_exc(), 500'), n)
    f = lines("try:\n    return {\"value\": int($text)}\nexcept Exception:\n"
              '    logger.exception("request failed")\n    return {"error": "internal error"}, 500', n)
    return Core([n["text"]], v, f, ["import traceback"], ["import logging"], [],
                ["logger = logging.getLogger(__name__)"])


@template("cleartext_http", 319)
def _cleartext(rng: random.Random, n: Names) -> Core:
    h = rng.choice(URL_HOSTS)
    p = rng.choice(["login", "v1/auth", "token", "api/session", "submit"])
    v = lines(f'return requests.post("http://{h}/{p}", data={{"user": $text, "password": $secret}}, timeout=10)', n)
    f = lines(f'return requests.post("https://{h}/{p}", data={{"user": $text, "password": $secret}}, timeout=10)', n)
    return Core([n["text"], n["secret"]], v, f, ["import requests"], ["import requests"])


@template("ftp_plain", 319)
def _ftp(rng: random.Random, n: Names) -> Core:
    v = lines("ftp = ftplib.FTP($host)\nftp.login(\"backup\", $secret)\n"
              'with open($path, "rb") as fh:\n    ftp.storbinary("STOR " + os.path.basename($path), fh)\n'
              "ftp.quit()", n)
    f = lines("ftp = ftplib.FTP_TLS($host)\nftp.login(\"backup\", $secret)\nftp.prot_p()\n"
              'with open($path, "rb") as fh:\n    ftp.storbinary("STOR " + os.path.basename($path), fh)\n'
              "ftp.quit()", n)
    return Core([n["host"], n["secret"], n["path"]], v, f, ["import ftplib", "import os"],
                ["import ftplib", "import os"])


@template("ldap_injection", 90)
def _ldap(rng: random.Random, n: Names) -> Core:
    attr = rng.choice(["uid", "cn", "sAMAccountName", "mail"])
    v = lines(f'search_filter = "({attr}=" + $text + ")"\n'
              'return $conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, search_filter)', n)
    f = lines(f'search_filter = "({attr}=" + escape_filter_chars($text) + ")"\n'
              'return $conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, search_filter)', n)
    return Core([n["conn"], n["text"]], v, f, ["import ldap"],
                ["import ldap", "from ldap.filter import escape_filter_chars"])


@template("xpath_injection", 643)
def _xpath(rng: random.Random, n: Names) -> Core:
    v = lines('return root.xpath(f"//user[@name=\'{$text}\']")', n)
    f = lines('return root.xpath("//user[@name=$$name]", name=$text)', n)
    return Core(["root", n["text"]], v, f, ["from lxml import etree"], ["from lxml import etree"])


@template("regex_injection", 1333)
def _regex(rng: random.Random, n: Names) -> Core:
    v = lines(_pick(rng, "return re.search($text, $blob) is not None",
                    "pattern = re.compile($text)\nreturn pattern.findall($blob)"), n)
    f = lines(_pick(rng, "return re.search(re.escape($text), $blob) is not None",
                    "pattern = re.compile(re.escape($text))\nreturn pattern.findall($blob)"), n)
    return Core([n["text"], n["blob"]], v, f, ["import re"], ["import re"])


@template("log_injection", 117)
def _log_injection(rng: random.Random, n: Names) -> Core:
    v = lines(_pick(rng, 'logger.info("login attempt for %s" % $text)',
                    'logger.warning(f"failed login for {$text}")',
                    'logging.info("user: " + $text)'), n)
    f = lines('clean = $text.replace("\\r", "").replace("\\n", "")\n'
              'logger.info("login attempt for %s", clean)', n)
    mod = ["logger = logging.getLogger(__name__)"]
    return Core([n["text"]], v + ["return None"], f + ["return None"], ["import logging"],
                ["import logging"], mod, mod)


@template("log_secret", 532)
def _log_secret(rng: random.Random, n: Names) -> Core:
    v = lines(_pick(rng, 'logger.debug(f"login {$text} with password {$secret}")',
                    'logger.info("credentials: %s / %s", $text, $secret)'), n)
    f = lines('logger.debug("login %s", $text)', n)
    mod = ["logger = logging.getLogger(__name__)"]
    return Core([n["text"], n["secret"]], v + ["return True"], f + ["return True"],
                ["import logging"], ["import logging"], mod, mod)


@template("header_injection", 113)
def _header(rng: random.Random, n: Names) -> Core:
    v = lines('$text = request.args.get("lang", "en")\nresp = make_response("ok")\n'
              'resp.headers["Content-Language"] = $text\nreturn resp', n)
    f = lines('$text = request.args.get("lang", "en")\nresp = make_response("ok")\n'
              'resp.headers["Content-Language"] = $text.replace("\\r", "").replace("\\n", "")\nreturn resp', n)
    return Core([], v, f, ["from flask import make_response"], ["from flask import make_response"],
                shapes=("route",), route_only=True)


@template("cookie_flags", 614)
def _cookie(rng: random.Random, n: Names) -> Core:
    v = lines('resp = make_response("ok")\nresp.set_cookie("session", $secret)\nreturn resp', n)
    f = lines('resp = make_response("ok")\n'
              'resp.set_cookie("session", $secret, secure=True, httponly=True, samesite="Lax")\n'
              "return resp", n)
    return Core([n["secret"]], v, f, ["from flask import make_response"],
                ["from flask import make_response"])


@template("jwt_noverify", 347)
def _jwt(rng: random.Random, n: Names) -> Core:
    v = lines(_pick(rng, 'return jwt.decode($secret, options={"verify_signature": False})',
                    'return jwt.decode($secret, key, algorithms=["none"])',
                    'return jwt.decode($secret, key, verify=False)'), n)
    f = lines('return jwt.decode($secret, key, algorithms=["HS256"])', n)
    return Core([n["secret"], "key"], v, f, ["import jwt"], ["import jwt"])


@template("assert_auth", 617)
def _assert_auth(rng: random.Random, n: Names) -> Core:
    attr = rng.choice(["is_admin", "is_staff", "can_delete", "authenticated"])
    v = lines(f"assert $text.{attr}\nreturn $text.delete()", n)
    f = lines(f'if not $text.{attr}:\n    raise PermissionError("not allowed")\nreturn $text.delete()', n)
    return Core([n["text"]], v, f)


@template("timing_compare", 208)
def _timing(rng: random.Random, n: Names) -> Core:
    v = lines(_pick(rng, "return $secret == expected", "if $secret != expected:\n    return False\nreturn True"), n)
    f = lines("return hmac.compare_digest($secret, expected)", n)
    return Core([n["secret"], "expected"], v, f, [], ["import hmac"])


@template("unsalted_hash", 759)
def _unsalted(rng: random.Random, n: Names) -> Core:
    v = lines("return hashlib.sha256($secret.encode()).hexdigest()", n)
    f = lines("salt = os.urandom(16)\n"
              'return salt.hex() + hashlib.pbkdf2_hmac("sha256", $secret.encode(), salt, 310000).hex()', n)
    return Core([n["secret"]], v, f, ["import hashlib"], ["import hashlib", "import os"])


@template("unbounded_alloc", 400)
def _unbounded(rng: random.Random, n: Names) -> Core:
    v = lines("$n = int($text)\nreturn [0] * $n  #@", n)
    f = lines("$n = int($text)\nif not 0 <= $n <= 10000:\n    raise ValueError(\"size out of range\")\n"
              "return [0] * $n", n)
    return Core([n["text"]], v, f)


@template("shelve_user_path", 502)
def _shelve(rng: random.Random, n: Names) -> Core:
    v = lines("with shelve.open($path) as db:\n    return dict(db)", n)
    f = lines('with open($path, encoding="utf-8") as fh:\n    return json.load(fh)', n)
    return Core([n["path"]], v, f, ["import shelve"], ["import json"])


# ---------------------------------------------------------------- benign filler shared by both

SINK_MARK = "  #@"  # marks, in a template's vulnerable body, a sink line that the fix leaves as is

FILLER_FUNCS = (
    "def _normalize(value):\n    return str(value).strip().lower()",
    "def _chunks(items, size):\n    for start in range(0, len(items), size):\n        yield items[start:start + size]",
    "def _clamp(x, low, high):\n    return max(low, min(high, x))",
    "def _is_blank(text):\n    return not text or not text.strip()",
    "def _merge(a, b):\n    out = dict(a)\n    out.update(b)\n    return out",
    "def _mean(values):\n    return sum(values) / len(values) if values else 0.0",
    "def _flatten(rows):\n    return [cell for row in rows for cell in row]",
    "def _slugify(title):\n    return \"-\".join(title.lower().split())",
    "def _parse_bool(text):\n    return str(text).lower() in (\"1\", \"true\", \"yes\", \"on\")",
    "def _first(items, default=None):\n    for item in items:\n        return item\n    return default",
    ("class Config:\n    def __init__(self, **values):\n        self.values = dict(values)\n\n"
    "    def get(self, key, default=None):\n        return self.values.get(key, default)"),
    ("def _fib(count):\n    a, b = 0, 1\n    out = []\n    for _ in range(count):\n        out.append(a)\n"
    "        a, b = b, a + b\n    return out"),
    ("def _word_count(text):\n    counts = {}\n    for word in text.split():\n"
    "        counts[word] = counts.get(word, 0) + 1\n    return counts"),
    "def _validate_email(address):\n    if \"@\" not in address:\n        raise ValueError(\"invalid email\")\n    return address",
    "def _read_lines(path):\n    with open(path, encoding=\"utf-8\") as fh:\n        return [line.rstrip(\"\\n\") for line in fh]",
    "def _paginate(items, page, per_page=20):\n    start = (page - 1) * per_page\n    return items[start:start + per_page]",
    "def _format_price(cents):\n    return \"%d.%02d\" % divmod(int(cents), 100)",
    ("def _retry(func, attempts=3):\n    for attempt in range(attempts):\n        try:\n            return func()\n"
    "        except OSError:\n            if attempt == attempts - 1:\n                raise"),
)
FILLER_STATEMENTS = (
    "if $p is None:\n    raise ValueError(\"missing argument\")",
    "$p = str($p).strip()",
    "logger.debug(\"called with %r\", $p)",
    "start = time.monotonic()",
    "if not $p:\n    return None",
    "count = 0",
    "# TODO: cache the result",
    "options = {\"retries\": 3, \"timeout\": 10}",
)
FILLER_IMPORTS = ("import logging", "import time", "import json", "import os", "import sys",
                  "from typing import Any", "import datetime", "import collections")


def _function_name(rng: random.Random) -> str:
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    style = rng.random()
    if style < 0.7:
        return f"{verb}_{noun}"
    if style < 0.85:
        return verb + noun.capitalize()
    return f"{verb}_{noun}_{rng.choice(['v2', 'safe', 'data', 'info', 'by_id', 'now'])}"


FLASK_FETCH = ('KEY = request.args.get("KEY", "")', 'KEY = request.form.get("KEY", "")',
               'KEY = request.args["KEY"]', 'KEY = request.get_json()["KEY"]',
               'KEY = request.values.get("KEY")', 'KEY = request.form["KEY"]')
DJANGO_FETCH = ('KEY = request.GET.get("KEY", "")', 'KEY = request.POST.get("KEY", "")',
                'KEY = request.GET["KEY"]')
INT_NAMES = frozenset(ROLES["n"]) | {"uid", "user_id", "pk", "record_id", "item_id", "account_id",
                                     "product_id", "order_no"}
BYTES_NAMES = frozenset(ROLES["blob"]) | {"key"}
UNTYPED = frozenset(ROLES["conn"]) | frozenset(ROLES["cur"]) | {"root"}


def _annotate(param: str) -> str:
    """A type hint for a parameter, guessed from its name (only the tokens matter)."""
    if param in UNTYPED:
        return param
    if param in INT_NAMES:
        return f"{param}: int"
    if param in BYTES_NAMES:
        return f"{param}: bytes"
    return f"{param}: str"


def assemble(rng: random.Random, core: Core) -> tuple[str, str, tuple[int, ...]]:
    """Two complete modules that differ only where the weakness is, and the marked sink lines."""
    shape = rng.choice(core.shapes)
    fname = _function_name(rng)
    params = list(core.params)
    fillers_before = rng.sample(FILLER_FUNCS, rng.choice([0, 0, 1, 1, 2]))
    fillers_after = rng.sample([f for f in FILLER_FUNCS if f not in fillers_before],
                               rng.choice([0, 0, 1]))
    extra_imports = rng.sample(FILLER_IMPORTS, rng.choice([0, 1, 2]))
    pre: list[str] = []
    stmt_param = next((p for p in params if p not in ("key", "root", "expected")), None)
    if stmt_param and rng.random() < 0.45:
        stmt = rng.choice(FILLER_STATEMENTS)
        pre = string.Template(stmt).safe_substitute(p=stmt_param).split("\n")
        if "logger." in stmt:
            extra_imports.append("import logging")
        if "time." in stmt:
            extra_imports.append("import time")
    docstring = rng.random() < 0.4
    doc_text = f'"""{rng.choice(["Return", "Handle", "Process", "Compute"])} the {rng.choice(NOUNS)}."""'

    def build(body: list[str], imports: list[str], module: list[str]) -> tuple[str, tuple[int, ...]]:
        lines_out: list[str] = []
        imps = set(imports + extra_imports)
        if shape == "route" and framework == "flask":
            imps.add("from flask import Flask, request")
        elif shape == "route":
            imps.add("from django.http import HttpResponse")
        # One random but shared order for both versions: sorted, or sorted by a salted checksum.
        lines_out.extend(sorted(imps, key=lambda i: zlib.crc32((import_salt + i).encode()))
                         if import_salt else sorted(imps))
        lines_out.append("")
        if any("logger." in x for x in pre + body + module) and not any(
                x.startswith("logger =") for x in module):
            lines_out.append("logger = logging.getLogger(__name__)")
        if shape == "route" and framework == "flask":
            lines_out.append("app = Flask(__name__)")
        route_module = [m for m in module if not m.startswith(("if __name__", "    app.run"))]
        main_block = [m for m in module if m.startswith(("if __name__", "    app.run"))]
        lines_out.extend(route_module)
        lines_out.append("")
        for filler in fillers_before:
            lines_out.extend(filler.split("\n"))
            lines_out.extend(["", ""])
        inner = ([doc_text] if docstring else []) + pre + body
        if shape == "route":
            if framework == "flask":
                lines_out.append(f'@app.route("{rng_route}", methods=["GET", "POST"])')
                lines_out.append(f"def {fname}():")
            else:
                lines_out.append(f"def {fname}(request):")
            if docstring:
                lines_out.append("    " + doc_text)
            for p in params:
                lines_out.append("    " + fetch.replace("KEY", p))
            lines_out.extend("    " + x if x else "" for x in pre + body)
        elif shape == "method":
            lines_out.append(f"class {cls_name}:")
            lines_out.append(f"    def {fname}(self{''.join(', ' + p for p in typed)}){ret}:")
            lines_out.extend("        " + x if x else "" for x in inner)
        else:
            lines_out.append(f"def {fname}({', '.join(typed)}){ret}:")
            lines_out.extend("    " + x if x else "" for x in inner)
        for filler in fillers_after:
            lines_out.extend(["", ""])
            lines_out.extend(filler.split("\n"))
        if main_block:
            lines_out.extend(["", ""] + main_block)
        marked = tuple(i + 1 for i, x in enumerate(lines_out) if x.endswith(SINK_MARK))
        text = "\n".join(x.removesuffix(SINK_MARK) for x in lines_out) + "\n"
        return text, marked

    rng_route = rng.choice(FLASK_PATHS)
    framework = "flask" if core.route_only or rng.random() < 0.6 else "django"
    fetch = rng.choice(FLASK_FETCH if framework == "flask" else DJANGO_FETCH)
    typed = [_annotate(p) for p in params] if rng.random() < 0.5 else params
    ret = rng.choice(["", "", "", " -> str", " -> None", " -> dict", " -> bytes", " -> list",
                      " -> bool", " -> Any"])
    import_salt = "" if rng.random() < 0.5 else str(rng.random())
    cls_name = rng.choice(NOUNS).capitalize() + rng.choice(CLASSES)
    vuln, sinks = build(core.body_v, core.imports_v, core.module_v)
    fixed, _ = build(core.body_f, core.imports_f, core.module_f)
    return vuln, fixed, sinks


def generate_pairs(per_template: int = 40, seed: int = 0, templates: list[str] | None = None,
                   mix: float = 0.4) -> Iterator[Pair]:
    """Yield ``per_template`` distinct pairs for each template, deterministically from ``seed``.

    A share ``mix`` of them also carries the fixed (safe) version of another template's code
    in both halves, so that safe idioms elsewhere in a file never excuse the weakness.
    """
    names = sorted(templates if templates is not None else TEMPLATES)
    others = sorted(TEMPLATES)
    for tname in names:
        cwe, fn = TEMPLATES[tname]
        rng = random.Random(f"{seed}:{tname}")
        seen: set[tuple[str, str]] = set()
        attempts = 0
        while len(seen) < per_template and attempts < per_template * 10:
            attempts += 1
            core = fn(rng, Names(rng))
            vuln, fixed, sinks = assemble(rng, core)
            if rng.random() < mix:
                other = rng.choice([o for o in others if o != tname])
                _, safe, _ = assemble(rng, TEMPLATES[other][1](rng, Names(rng)))
                vuln, fixed, sinks = combine(vuln, fixed, sinks, safe, first=rng.random() < 0.5)
            if vuln == fixed or (vuln, fixed) in seen:
                continue
            seen.add((vuln, fixed))
            yield Pair(f"synth/{tname}/{len(seen)}", vuln, fixed, cwe, "synth", sinks)


def _split_imports(code: str) -> tuple[list[str], list[str]]:
    """(import lines at the top, the rest) of a module written by :func:`assemble`."""
    lines_in = code.rstrip("\n").split("\n")
    cut = 0
    while cut < len(lines_in) and lines_in[cut].startswith(("import ", "from ")):
        cut += 1
    return lines_in[:cut], lines_in[cut:]


def combine(vuln: str, fixed: str, sinks: tuple[int, ...], safe: str,
            first: bool) -> tuple[str, str, tuple[int, ...]]:
    """Add the code of a safe module to both versions (before or after), keeping sink lines right."""
    safe_imports, safe_rest = _split_imports(safe)
    out: list[str] = []
    new_sinks: tuple[int, ...] = ()
    for index, code in enumerate((vuln, fixed)):
        imports, rest = _split_imports(code)
        merged = sorted(set(imports) | set(safe_imports))
        parts = (safe_rest + ["", ""] + rest) if first else (rest + ["", ""] + safe_rest)
        out.append("\n".join(merged + parts) + "\n")
        if index == 0:
            shift = len(merged) - len(imports) + (len(safe_rest) + 2 if first else 0)
            new_sinks = tuple(line + shift for line in sinks)
    return out[0], out[1], new_sinks


BENIGN_BODIES = (
    "result = []\nfor item in items:\n    if item % 2 == 0:\n        result.append(item * item)\nreturn result",
    "if not items:\n    return 0\nreturn max(items) - min(items)",
    "seen = set()\nout = []\nfor x in items:\n    if x not in seen:\n        seen.add(x)\n        out.append(x)\nreturn out",
    "total = 0\nfor i, x in enumerate(items):\n    total += i * x\nreturn total",
    "return sorted(items, key=lambda x: (-x, str(x)))",
    ("left, right = 0, len(items) - 1\nwhile left < right:\n    items[left], items[right] = items[right], items[left]\n"
    "    left += 1\n    right -= 1\nreturn items"),
    "counts = {}\nfor x in items:\n    counts[x] = counts.get(x, 0) + 1\nreturn [k for k, v in counts.items() if v > 1]",
    "return [x for x in items if isinstance(x, int) and x > 0]",
    "if len(items) < 2:\n    return False\nreturn any(a == b for a, b in zip(items, items[1:]))",
    "return sum(1 for x in items if str(x).isdigit())",
    "with open(items, encoding=\"utf-8\") as fh:\n    return sum(1 for _ in fh)",
    "return json.dumps({\"count\": len(items)})",
    "return \" \".join(word.capitalize() for word in str(items).split())",
    "parts = str(items).split(\",\")\nreturn [p.strip() for p in parts if p.strip()]",
    "return hashlib.sha256(str(items).encode()).hexdigest()",
    "return subprocess.run([\"echo\", \"ready\"], capture_output=True, text=True).stdout",
    "return secrets.token_urlsafe(16)",
    "return yaml.safe_load(items)",
    "return ast.literal_eval(items)",
    "return os.path.basename(items)",
)


def generate_benign(count: int = 200, seed: int = 0) -> Iterator[str]:
    """Yield ordinary code with no weakness (negatives that are not one half of a pair)."""
    rng = random.Random(f"{seed}:benign")
    modules = ("json", "hashlib", "subprocess", "secrets", "yaml", "ast", "os")
    for _ in range(count):
        param = rng.choice(["items", "values", "xs", "data", "nums"])
        body = rng.choice(BENIGN_BODIES).replace("items", param)
        imports = [f"import {m}" for m in modules if f"{m}." in body]
        core = Core([param], body.split("\n"), body.split("\n"), imports, imports,
                    shapes=("func", "method"))
        code, _, _ = assemble(rng, core)
        yield code
