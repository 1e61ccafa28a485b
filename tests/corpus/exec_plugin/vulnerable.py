def run_user_script(source_code: str, data: dict) -> dict:
    """Run a user-provided transformation script on data; the script sets `result`."""
    namespace = {"data": data}
    exec(source_code, namespace)
    return namespace.get("result", {})
