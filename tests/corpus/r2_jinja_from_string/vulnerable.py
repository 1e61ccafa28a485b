from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment

app = FastAPI()
env = Environment(autoescape=True)


@app.get("/preview", response_class=HTMLResponse)
def preview(template: str, name: str = "friend"):
    """Preview a newsletter template written by the marketing team."""
    return env.from_string(template).render(name=name)
