"""Prompt texts for generation, two-step imports, and repair; every message a strategy sends is built here."""

from __future__ import annotations

from collections.abc import Sequence

from safegen.backends.interface import ChatMessage

FENCE = "```"

SYSTEM_PLAIN = (
    "You are an expert Python programmer. Answer with the complete Python code in a single "
    "```python code block, including every import it needs, and nothing else."
)

SECURITY_RULES = """\
Write secure code. In particular:
- Never build SQL, shell commands, LDAP or XPath queries from strings: use parameterized queries and argument lists (no shell=True, no os.system).
- Never call eval, exec, pickle/marshal loads or yaml.load on untrusted data: use json, ast.literal_eval or yaml.safe_load.
- Parse XML with defusedxml; escape HTML output; validate redirects and file paths (resolve them and keep them inside the allowed directory).
- Use the secrets module for tokens and passwords, hashlib.sha256 or stronger (or a password KDF such as hashlib.pbkdf2_hmac / scrypt) for hashing; never MD5 or SHA1 for security.
- Keep TLS verification on, set timeouts on network calls, never hard-code credentials (read them from the environment), never leave a debug mode switched on.
- Create temporary files with tempfile.mkstemp or NamedTemporaryFile, restrict file permissions, validate and bound all inputs, and handle errors without leaking details."""

SYSTEM_SECURE = f"{SYSTEM_PLAIN}\n\n{SECURITY_RULES}"

# Few-shot exchanges for the AutoSafeCoder coding agent: requirement -> secure implementation.
FEW_SHOT: tuple[tuple[str, str], ...] = (
    (
        ("Write a Python function `get_user(conn, username)` that returns the row of the user "
         "with that name from the `users` table of an sqlite3 connection."),
        ("```python\nimport sqlite3\n\n\ndef get_user(conn: sqlite3.Connection, username: str):\n"
         "    cursor = conn.execute(\"SELECT * FROM users WHERE name = ?\", (username,))\n"
         "    return cursor.fetchone()\n```"),
    ),
    (
        "Write a Python function `list_dir(path)` that returns the output of `ls -l` for a directory.",
        ("```python\nimport subprocess\n\n\ndef list_dir(path: str) -> str:\n"
         "    result = subprocess.run([\"ls\", \"-l\", \"--\", path], capture_output=True, text=True,\n"
         "                            check=True, timeout=10)\n"
         "    return result.stdout\n```"),
    ),
)


def fenced(code: str) -> str:
    """Code inside a python fence, as the model is asked to answer."""
    return f"{FENCE}python\n{code.rstrip()}\n{FENCE}"


def is_code_prompt(requirement: str) -> bool:
    """True when the requirement is a Python prompt (imports, signature, docstring) rather than prose."""
    from safegen.prompts.extract import is_python_prompt

    return is_python_prompt(requirement)


def task_message(requirement: str, entry_point: str | None = None,
                 imports: Sequence[str] = ()) -> str:
    """The user turn asking for the code; with ``imports`` (HexaCoder step 2) they must open the code."""
    if is_code_prompt(requirement):
        text = ("Complete the following Python code. Keep the given imports, the function name and its "
                "signature, and return the whole program.\n\n" + fenced(requirement))
    else:
        text = requirement.strip()
        if entry_point:
            text += f"\n\nName the function `{entry_point}`."
    if imports:
        text += ("\n\nThe file starts with these imports; use them where they fit:\n"
                 + "\n".join(imports))
    return text


def generation_messages(requirement: str, *, system: str = SYSTEM_PLAIN, entry_point: str | None = None,
                        imports: Sequence[str] = (),
                        few_shot: Sequence[tuple[str, str]] = ()) -> list[ChatMessage]:
    """System prompt, optional few-shot turns, then the task."""
    messages = [ChatMessage("system", system)]
    for question, answer in few_shot:
        messages += [ChatMessage("user", question), ChatMessage("assistant", answer)]
    messages.append(ChatMessage("user", task_message(requirement, entry_point, imports)))
    return messages


def answer_prefix(requirement: str, imports: Sequence[str] = ()) -> str:
    """The start of the answer to a Python prompt: the chosen imports, then the prompt, for the model to
    continue with the body (a small model under the security rules otherwise often writes import after
    import and no code). Empty for a prose requirement."""
    if not is_code_prompt(requirement):
        return ""
    head = "".join(f"{line}\n" for line in imports)
    return f"{FENCE}python\n{head}{requirement.rstrip()}\n"


IMPORTS_SYSTEM = (
    "You are a Python security engineer. Before any code is written you choose the few modules that a "
    "secure implementation of the task needs, preferring the safe choice where there is one (for "
    "example secrets rather than random for tokens)."
)


def imports_messages(requirement: str) -> list[ChatMessage]:
    """HexaCoder step 1: ask only for the import statements a secure implementation needs."""
    text = ("Which Python import statements does a secure implementation of the following task need? "
            "List only the modules this task really uses, usually one to four. Answer only with the "
            "import statements in one ```python block, no other code.\n\n"
            + (fenced(requirement) if is_code_prompt(requirement) else requirement.strip()))
    return [ChatMessage("system", IMPORTS_SYSTEM), ChatMessage("user", text)]


def repair_messages(base: Sequence[ChatMessage], code: str, feedback: str) -> list[ChatMessage]:
    """Continue the generation conversation: the current code as the model's turn, then the feedback."""
    return [*base, ChatMessage("assistant", fenced(code)), ChatMessage("user", feedback)]


def keep_entry(entry_point: str | None, required: str | None = None) -> str:
    """The sentence asking a repair to keep the entry point; with ``required`` (the task's parameters,
    given when the current code lost them) it asks to bring the function back instead."""
    if not entry_point:
        return ""
    if required is not None:
        params = required.removeprefix("async ").removeprefix("class ").strip() or "()"
        return (f" The task asks for `{entry_point}{params}` defined at the top level of the file; your code "
                "does not define it with these parameters: define it exactly so.")
    return f" Keep the function `{entry_point}` with exactly the same name and parameters."


def static_feedback(findings_text: str, entry_point: str | None, required: str | None = None) -> str:
    """The user turn for a static-analysis repair round."""
    keep = keep_entry(entry_point, required)
    return ("A static security analysis of your code found these weaknesses:\n\n"
            f"{findings_text}\n\n"
            "Fix every one of them without changing what the code does." + keep
            + " Answer with the complete corrected code in one ```python block.")


def fuzz_feedback(defects_text: str, entry_point: str | None, required: str | None = None) -> str:
    """The user turn for a fuzzing repair round."""
    keep = keep_entry(entry_point, required)
    return ("Fuzzing your code with generated inputs found these defects:\n\n"
            f"{defects_text}\n\n"
            "Make the code handle such inputs safely (validate them and raise a clear exception where "
            "the input is invalid, never crash, hang or exhaust memory) without changing what it does "
            "for valid inputs." + keep + " Answer with the complete corrected code in one ```python block.")


def tests_feedback(failures_text: str, entry_point: str | None, required: str | None = None) -> str:
    """The user turn for a repair round after the task's own examples failed."""
    keep = keep_entry(entry_point, required)
    return ("Running the examples and tests given with the task against your code gave wrong results:\n\n"
            f"{failures_text}\n\n"
            "Fix the code so that it does what the task asks and these give the expected results, "
            "keeping it secure." + keep + " Answer with the complete corrected code in one ```python block.")
