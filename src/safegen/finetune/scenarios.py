"""Coding scenarios per CWE that tempt a model into a weakness: the seeds of the synthesis pipeline.

Written for safegen, in our own words, and kept away from every benchmark (SecurityEval, LLMSecEval,
CyberSecEval, HumanEval): training on benchmark prompts would make their figures meaningless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from safegen.errors import InputError
from safegen.types import Task


@dataclass(frozen=True)
class Scenario:
    """One requirement and the weakness (CWE) that a naive implementation of it tends to have."""

    scenario_id: str
    cwe: int
    requirement: str
    entry_point: str

    def task(self) -> Task:
        return Task(self.scenario_id, self.requirement, entry_point=self.entry_point, source="finetune",
                    cwe=self.cwe)


def _s(cwe: int, number: int, entry_point: str, requirement: str) -> Scenario:
    return Scenario(f"CWE-{cwe:03d}-{number}", cwe, requirement, entry_point)


SCENARIOS: tuple[Scenario, ...] = (
    _s(22, 1, "read_report", "Write a function `read_report(name)` that returns the text of the report file "
       "called `name` from the directory /srv/reports."),
    _s(22, 2, "save_avatar", "Write a function `save_avatar(username, data)` that stores the uploaded image "
       "bytes `data` as /var/app/avatars/<username>.png and returns the path."),
    _s(22, 3, "extract_bundle", "Write a function `extract_bundle(archive_path, target_dir)` that unpacks a "
       "tar.gz archive uploaded by a user into `target_dir`."),
    _s(78, 1, "ping_host", "Write a function `ping_host(host)` that pings the given host name four times "
       "with the system ping command and returns its output."),
    _s(78, 2, "compress_folder", "Write a function `compress_folder(folder)` that creates folder.zip from "
       "a folder name given by the user, using the zip command line tool."),
    _s(78, 3, "disk_usage", "Write a function `disk_usage(path)` that returns the output of `du -sh` for "
       "a path that comes from a web form."),
    _s(89, 1, "find_orders", "Write a function `find_orders(db_path, customer)` that returns all rows of "
       "the sqlite table orders whose customer column equals `customer`."),
    _s(89, 2, "delete_note", "Write a function `delete_note(conn, note_id)` that deletes the note with "
       "the given id from the notes table of a sqlite3 connection."),
    _s(89, 3, "search_products", "Write a function `search_products(conn, word, order_by)` that returns "
       "the products whose name contains `word`, sorted by the column named in `order_by`."),
    _s(94, 1, "calculate", "Write a function `calculate(expression)` that evaluates an arithmetic "
       "expression typed by a user, such as '2 * (3 + 4)', and returns the number."),
    _s(94, 2, "parse_settings", "Write a function `parse_settings(text)` that turns a string such as "
       "\"{'retries': 3, 'debug': False}\" received from a client into a Python dict."),
    _s(502, 1, "load_session", "Write a function `load_session(blob)` that restores a session object from "
       "the bytes stored in a browser cookie."),
    _s(502, 2, "read_config", "Write a function `read_config(path)` that loads a YAML configuration file "
       "uploaded by a user and returns it as a dict."),
    _s(502, 3, "receive_job", "Write a function `receive_job(sock)` that reads one serialized Python job "
       "object from a network socket and returns it."),
    _s(611, 1, "parse_invoice", "Write a function `parse_invoice(xml_text)` that parses an XML invoice "
       "sent by a partner and returns the value of its <total> element."),
    _s(611, 2, "count_items", "Write a function `count_items(xml_path)` that returns the number of <item> "
       "elements in an XML file received from the internet."),
    _s(327, 1, "hash_password", "Write a function `hash_password(password)` that returns a hash of the "
       "password to store in the user database."),
    _s(327, 2, "encrypt_message", "Write a function `encrypt_message(key, message)` that encrypts a "
       "message with a symmetric key and returns the ciphertext bytes."),
    _s(328, 1, "file_fingerprint", "Write a function `file_fingerprint(path)` that returns a checksum used "
       "to detect tampering with a downloaded file."),
    _s(330, 1, "reset_token", "Write a function `reset_token()` that returns a random token for a "
       "password-reset link."),
    _s(330, 2, "new_password", "Write a function `new_password(length)` that generates a random initial "
       "password for a new account."),
    _s(798, 1, "connect_db", "Write a function `connect_db()` that opens a connection to the PostgreSQL "
       "database of our shop with psycopg2 and returns it."),
    _s(798, 2, "send_alert", "Write a function `send_alert(text)` that sends an email with the given text "
       "to the operations team through our SMTP server with a login."),
    _s(295, 1, "fetch_status", "Write a function `fetch_status(url)` that downloads a JSON status document "
       "over HTTPS from an internal server with a self-signed certificate and returns it."),
    _s(400, 1, "download_page", "Write a function `download_page(url)` that returns the HTML of a web page "
       "with the requests library."),
    _s(377, 1, "write_scratch", "Write a function `write_scratch(data)` that writes bytes to a temporary "
       "file and returns its name for a later processing step."),
    _s(732, 1, "save_key", "Write a function `save_key(path, key_bytes)` that writes a private key to a "
       "file so that our service can read it later."),
    _s(215, 1, "create_app", "Write a function `create_app()` that builds a small Flask application with "
       "one /health route and runs it for development."),
    _s(601, 1, "after_login", "Write a Flask view `after_login()` that redirects the user to the URL given "
       "in the `next` query parameter."),
    _s(79, 1, "greet", "Write a Flask view `greet()` that returns an HTML page saying hello to the name "
       "given in the `name` query parameter."),
    _s(918, 1, "fetch_preview", "Write a function `fetch_preview(url)` that downloads a URL given by a user "
       "and returns the first 200 characters, for link previews."),
    _s(319, 1, "upload_backup", "Write a function `upload_backup(host, user, password, path)` that uploads "
       "a backup file to a remote server."),
    _s(90, 1, "find_user", "Write a function `find_user(conn, username)` that looks up a user in an LDAP "
       "directory with the ldap3 library and returns the entry."),
    _s(643, 1, "find_book", "Write a function `find_book(xml_root, title)` that returns the <book> element "
       "whose title attribute equals `title`, using an XPath query with lxml."),
    _s(117, 1, "log_login", "Write a function `log_login(username, success)` that writes one line per "
       "login attempt to the application log."),
    _s(209, 1, "handle_upload", "Write a Flask view `handle_upload()` that saves the uploaded file and "
       "returns the error message and traceback to the client when saving fails."),
)


def select(cwes: Iterable[int] | None = None, *, limit: int | None = None) -> list[Scenario]:
    """The scenarios for ``cwes`` (all when None), at most ``limit``; an unknown CWE is an InputError."""
    chosen = list(SCENARIOS)
    if cwes is not None:
        wanted = set(cwes)
        known = {s.cwe for s in SCENARIOS}
        missing = sorted(wanted - known)
        if missing:
            raise InputError(f"no synthesis scenarios for CWE {', '.join(map(str, missing))}",
                             hint=f"known CWEs: {', '.join(map(str, sorted(known)))}")
        chosen = [s for s in chosen if s.cwe in wanted]
    return chosen[:limit] if limit is not None else chosen
