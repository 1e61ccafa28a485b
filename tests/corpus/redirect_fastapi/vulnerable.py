from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/go")
def go(url: str):
    """Redirect the browser to the given URL (used by e-mail tracking links)."""
    return RedirectResponse(url=url)
