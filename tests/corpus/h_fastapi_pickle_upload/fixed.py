import json

from fastapi import FastAPI, File, HTTPException, UploadFile

app = FastAPI()


@app.post("/models")
async def upload_model(file: UploadFile = File(...)):
    """Load model parameters uploaded by the user (JSON) and report their keys."""
    try:
        params = json.loads(await file.read())
    except ValueError:
        raise HTTPException(status_code=400, detail="expected JSON") from None
    if not isinstance(params, dict):
        raise HTTPException(status_code=400, detail="expected an object")
    return {"keys": sorted(params)}
