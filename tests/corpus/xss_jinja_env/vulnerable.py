from jinja2 import Environment, FileSystemLoader


def render_email(template_name: str, context: dict) -> str:
    """Render an HTML e-mail template with the given context."""
    env = Environment(loader=FileSystemLoader("templates"), autoescape=False)
    return env.get_template(template_name).render(**context)
