from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from jinja2.sandbox import SandboxedEnvironment

app = FastAPI()
env = SandboxedEnvironment(autoescape=True)
TEMPLATES = {"welcome": "<p>Welcome, {{ name }}!</p>", "reminder": "<p>Hi {{ name }}, don't forget.</p>"}


@app.get("/preview", response_class=HTMLResponse)
def preview(template: str, name: str = "friend"):
    """Preview one of the stored newsletter templates."""
    source = TEMPLATES.get(template, "<p>Unknown template</p>")
    return env.from_string(source).render(name=name)
