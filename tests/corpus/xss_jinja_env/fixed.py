from jinja2 import Environment, FileSystemLoader, select_autoescape


def render_email(template_name: str, context: dict) -> str:
    """Render an HTML e-mail template with the given context."""
    env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape(["html", "xml"]))
    return env.get_template(template_name).render(**context)
