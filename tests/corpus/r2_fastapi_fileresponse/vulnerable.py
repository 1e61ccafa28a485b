from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/reports/{name}")
def download_report(name: str):
    """Download a generated PDF report."""
    return FileResponse(f"/srv/reports/{name}", media_type="application/pdf")
