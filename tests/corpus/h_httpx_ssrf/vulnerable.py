import httpx
from fastapi import FastAPI

app = FastAPI()


@app.get("/proxy")
async def proxy(target: str):
    """Fetch a remote JSON document for the dashboard."""
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(target)
    return response.json()
