import pickle

from fastapi import FastAPI, File, UploadFile

app = FastAPI()


@app.post("/models")
async def upload_model(file: UploadFile = File(...)):
    """Load a trained scikit-learn model uploaded by the user and report its type."""
    model = pickle.loads(await file.read())
    return {"type": type(model).__name__}
